"""Complaints, user reports and the emergency mechanism (直播电商售后服务规范 5.3, Appendix A).

Other domains import only from here.
"""

from liveguard.complaint.events import ComplaintFiled
from liveguard.complaint.permissions import GRANTS

__all__ = ["GRANTS", "ComplaintFiled"]
