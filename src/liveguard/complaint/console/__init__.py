"""Complaint console: the staff queue sorted by deadline, the case page with its clocks and full
timeline, CS agent entry, the supervisor dashboard; and the consumer pages (no account: phone and
one-time code) to file, follow status and deadlines, answer, ask the platform, and rate."""

from liveguard.complaint.console import portal, reports, staff
from liveguard.complaint.console.common import router
from liveguard.web.context import NavItem, Tile

NAV = [
    NavItem("投诉", "/console/complaints", "complaint.read"),
    NavItem("投诉监督", "/console/complaints/dashboard", "complaint.supervise"),
]
TILES = [Tile("待处理投诉", "complaint.handle", staff.open_complaints, "/console/complaints")]

__all__ = ["NAV", "TILES", "portal", "reports", "router", "staff"]
