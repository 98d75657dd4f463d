"""Evidence: the tamper-evident record of the whole transaction process (证据存证).

An RFC 9162 Merkle log of records, signed tree heads, inclusion and consistency proofs, and
verification (直播营销服务规范 6.3.2, 7.2.9; Order 117 Art. 16). Other domains record by
publishing events on the recorded list (:data:`RECORDED`); they never call the log directly.
"""

from liveguard.evidence.deps import media_of, signer_of
from liveguard.evidence.download import media_response
from liveguard.evidence.heads import Signer
from liveguard.evidence.media import SNIFF_BYTES, MediaRef, MediaStore, sniff_content_type
from liveguard.evidence.package import build_package
from liveguard.evidence.permissions import GRANTS
from liveguard.evidence.rules import media_retain_until
from liveguard.evidence.service import RECORDED, Recorded

__all__ = [
    "GRANTS",
    "RECORDED",
    "SNIFF_BYTES",
    "MediaRef",
    "MediaStore",
    "Recorded",
    "Signer",
    "build_package",
    "media_of",
    "media_response",
    "media_retain_until",
    "signer_of",
    "sniff_content_type",
]
