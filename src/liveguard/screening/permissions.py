"""Who may do what in screening (直播营销服务规范 6.3.1, 7.2.4: the platform monitors live rooms).

The live side (the platform's admins and compliance officers) watches every room, reviews
findings and edits the lexicon and the action policy; merchants watch and feed their own rooms
(platform integrations ingest with a merchant's or the platform's API token); regulators read.
"""

from liveguard.access import ALL, TENANT
from liveguard.access.policy import Grants

_LIVE_SIDE = {"platform_admin": ALL, "compliance_officer": ALL}

GRANTS: Grants = {
    "screening.read": {**_LIVE_SIDE, "regulator": ALL, "merchant_staff": TENANT},
    # Send speech segments and comments of a room (HTTP batch or WebSocket).
    "screening.ingest": {**_LIVE_SIDE, "merchant_staff": TENANT},
    # Confirm findings or dismiss them as false positives.
    "screening.review": dict(_LIVE_SIDE),
    # Edit, import and publish lexicon versions; set the action policy.
    "screening.lexicon": dict(_LIVE_SIDE),
}
