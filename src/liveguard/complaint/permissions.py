"""Who may do what with complaints (直播电商售后服务规范 5.3.2, 5.3.3; 直播营销服务规范 7.2.2).

Which *side* a member acts for on a given complaint (merchant, live side, platform) is decided
per complaint by :func:`liveguard.complaint.service.party_of`; these grants say who may act at all.
"""

from liveguard.access import ALL, SELF, TENANT
from liveguard.access.policy import Grants

_SUPERVISORS = {"platform_admin": ALL, "compliance_officer": ALL, "regulator": ALL}

GRANTS: Grants = {
    "complaint.read": {
        **_SUPERVISORS,
        "merchant_staff": TENANT,
        "cs_agent": TENANT,
        "mcn_staff": TENANT,
        "consumer": SELF,
    },
    # Accept, verify, decide, negotiate, resolve: the merchant's and the live side's staff and
    # CS, and the platform (its members reach every complaint).
    "complaint.handle": {
        "platform_admin": ALL,
        "compliance_officer": ALL,
        "merchant_staff": TENANT,
        "cs_agent": TENANT,
        "mcn_staff": TENANT,
    },
    # CS agent entry and the platforms' API: file on a consumer's behalf.
    "complaint.file": {"platform_admin": ALL, "cs_agent": TENANT, "merchant_staff": TENANT},
    # Supervisor dashboard, emergencies, robots.
    "complaint.supervise": {**_SUPERVISORS},
}
