"""Who may do what in the registry (直播营销服务规范 7.2.2, 7.2.8: the platform checks parties).

Merchants and MCNs keep their own parties, documents, relations and training current; the
platform's compliance officers review and admit; regulators read everything and change nothing.
"""

from liveguard.access import ALL, SELF, TENANT
from liveguard.access.policy import Grants

_PLATFORM = {"platform_admin": ALL, "compliance_officer": ALL}
_KEEPERS = {"merchant_staff": TENANT, "mcn_staff": TENANT}

GRANTS: Grants = {
    "registry.read": {
        **_PLATFORM,
        "regulator": ALL,
        **_KEEPERS,
        "cs_agent": TENANT,
        "host": SELF,
    },
    # Create and change own parties, documents, relations, rooms, suppliers; apply for admission.
    "registry.manage": {"platform_admin": ALL, **_KEEPERS},
    # Review documents, decide admissions, verify identities and disclosure changes, revoke.
    "registry.review": dict(_PLATFORM),
    # Unmasked ID and phone numbers: the platform's compliance staff, and hosts their own.
    "registry.read_pii": {**_PLATFORM, "host": SELF},
    "registry.training": {**_PLATFORM, **_KEEPERS},
    "registry.warnings": {**_PLATFORM, "regulator": ALL, **_KEEPERS, "host": SELF},
    "registry.webhooks": {"platform_admin": ALL, **_KEEPERS},
    # Record conduct violations and penalty points (7.2.4 处理违规主播, 7.4.2 MCN 违规处置).
    "registry.conduct": {**_PLATFORM, "mcn_staff": TENANT},
}
