"""LiveGuard — 直播电商合规与售后服务平台."""

__version__ = "0.1.0"
