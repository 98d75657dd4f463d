"""Who may ingest and read orders (7.2.9); phone and address masked unless the role needs them."""

from liveguard.access import ALL, SELF, TENANT
from liveguard.access.policy import Grants

GRANTS: Grants = {
    # Platform systems and merchants' integrations send orders, payments, shipments, sign-fors.
    "order.ingest": {"platform_admin": ALL, "merchant_staff": TENANT},
    "order.read": {
        "platform_admin": ALL,
        "compliance_officer": ALL,
        "regulator": ALL,
        "merchant_staff": TENANT,
        "cs_agent": TENANT,
        "consumer": SELF,
    },
    # Unmasked phone and address: who ships and serves the order, and the buyer.
    "order.read_pii": {"merchant_staff": TENANT, "cs_agent": TENANT, "consumer": SELF},
}
