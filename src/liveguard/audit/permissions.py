"""Who may read the audit trail: the platform's admins and compliance officers, and regulators."""

from liveguard.access import ALL
from liveguard.access.policy import Grants

GRANTS: Grants = {
    "audit.read": {"platform_admin": ALL, "compliance_officer": ALL, "regulator": ALL},
}
