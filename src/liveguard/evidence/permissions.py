"""Who may read, append to, sign and verify the evidence log."""

from liveguard.access import ALL, TENANT
from liveguard.access.policy import Grants

GRANTS: Grants = {
    # Reading records and replays: the platform and regulators everywhere, merchants their own.
    "evidence.read": {
        "platform_admin": ALL,
        "compliance_officer": ALL,
        "regulator": ALL,
        "merchant_staff": TENANT,
        "cs_agent": TENANT,
    },
    # Platform integrations append records (live comments, orders…) through the API.
    "evidence.append": {"platform_admin": ALL},
    "evidence.sign": {"platform_admin": ALL, "compliance_officer": ALL},
    "evidence.verify": {"platform_admin": ALL, "compliance_officer": ALL, "regulator": ALL},
    # Legal holds (诉讼保全) and running retention: the platform's compliance staff.
    "evidence.hold": {"platform_admin": ALL, "compliance_officer": ALL},
}
