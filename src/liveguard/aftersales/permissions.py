"""Who may do what with after-sales cases (直播营销服务规范 7.2.7; 售后服务规范 5.3.2 f–g)."""

from liveguard.access import ALL, SELF, TENANT
from liveguard.access.policy import Grants

_SUPERVISORS = {"platform_admin": ALL, "compliance_officer": ALL, "regulator": ALL}

GRANTS: Grants = {
    # A buyer files for their own orders; the platform's admins may file on a buyer's behalf.
    "aftersales.request": {"consumer": SELF, "platform_admin": ALL},
    "aftersales.read": {
        **_SUPERVISORS,
        "merchant_staff": TENANT,
        "cs_agent": TENANT,
        "consumer": SELF,
    },
    # Answer, receive, inspect, exchange, repair: the merchant's staff and CS, or the platform.
    "aftersales.handle": {"merchant_staff": TENANT, "cs_agent": TENANT, "platform_admin": ALL},
    # Money-moving: recording a refund.
    "aftersales.refund": {"merchant_staff": TENANT, "platform_admin": ALL},
}
