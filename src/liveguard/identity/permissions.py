"""Who may do what with organisations, users, memberships and tokens."""

from liveguard.access import ALL, ROLES, SELF, TENANT
from liveguard.access.policy import Grants

_STAFF_OWN_ORG = {
    "merchant_staff": TENANT,
    "mcn_staff": TENANT,
    "cs_agent": TENANT,
    "host": TENANT,
}

GRANTS: Grants = {
    "dashboard.view": {
        "platform_admin": ALL,
        "compliance_officer": ALL,
        "regulator": ALL,
        **_STAFF_OWN_ORG,
        "consumer": SELF,
    },
    "organisation.read": {
        "platform_admin": ALL,
        "compliance_officer": ALL,
        "regulator": ALL,
        **_STAFF_OWN_ORG,
    },
    "organisation.manage": {"platform_admin": ALL},
    "user.read": {
        "platform_admin": ALL,
        "compliance_officer": ALL,
        "regulator": ALL,
        "merchant_staff": TENANT,
        "mcn_staff": TENANT,
        "cs_agent": SELF,
        "host": SELF,
        "consumer": SELF,
    },
    # Changing one's own name and personal data (a narrowed API token may lack it).
    "user.update_self": dict.fromkeys(ROLES, SELF),
    "user.manage": {"platform_admin": ALL, "merchant_staff": TENANT, "mcn_staff": TENANT},
    # Unmasked personal data: the platform's compliance staff, and each person for themselves.
    "user.read_pii": {
        "platform_admin": ALL,
        "compliance_officer": ALL,
        "merchant_staff": SELF,
        "mcn_staff": SELF,
        "cs_agent": SELF,
        "host": SELF,
        "consumer": SELF,
    },
    "token.manage": {"platform_admin": ALL, "merchant_staff": TENANT, "mcn_staff": TENANT},
}
