"""Who may do what with live sessions (直播电商售后服务规范 5.1.1 商家, 5.1.2 直播方).

Merchants plan their own sessions, file service plans and staff customer service; the live side
(the platform's admins and compliance officers) reviews plans, approves sessions and may override
the staffing check with a reason; regulators read everything and change nothing.
"""

from liveguard.access import ALL, TENANT
from liveguard.access.policy import Grants

_LIVE_SIDE = {"platform_admin": ALL, "compliance_officer": ALL}

GRANTS: Grants = {
    "plan.read": {**_LIVE_SIDE, "regulator": ALL, "merchant_staff": TENANT, "cs_agent": TENANT},
    # Create sessions, line up products, file service plans, assign CS staff, go live.
    "plan.manage": {"platform_admin": ALL, "merchant_staff": TENANT},
    # Review service plans, approve or return sessions, override the staffing check.
    "plan.review": dict(_LIVE_SIDE),
}
