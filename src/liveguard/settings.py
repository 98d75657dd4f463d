"""The one Settings object: built once at start-up from ``LIVEGUARD_*`` variables and passed down.

Nested sections use ``__`` (``LIVEGUARD_DB__URL``). Nothing in the package reads the environment
at import time; ``bootstrap`` calls :func:`load_settings` and hands the result to everything else.
"""

from __future__ import annotations

from datetime import date, time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class DatabaseSettings(BaseModel):
    """Where the state lives: SQLite file by default, PostgreSQL (psycopg 3) in production."""

    url: str = ""
    echo: bool = False
    pool_size: int = Field(default=10, ge=1, le=200)
    sqlite_busy_timeout_ms: int = Field(default=5000, ge=0)


class BusSettings(BaseModel):
    """Which bus carries domain events after commit."""

    backend: Literal["memory", "nats"] = "memory"
    nats_url: str = "nats://127.0.0.1:4222"
    stream: str = "LIVEGUARD"
    relay_batch: int = Field(default=200, ge=1, le=10_000)
    max_attempts: int = Field(default=10, ge=1)
    # How often the in-process bus looks for due retries while idle (0: only after commits).
    poll_seconds: float = Field(default=5.0, ge=0)
    # NATS JetStream (backend "nats"): subjects <stream>.<kind>.<bucket>, the bucket a stable
    # hash of the event's partition key (a live room) over this many partitions.
    partitions: int = Field(default=16, ge=1, le=1024)
    # Messages a worker pulls at once: small, so that big events (a batch of comments) spread
    # over all workers instead of queueing behind one.
    worker_batch: int = Field(default=10, ge=1, le=1000)
    # Partitions (live rooms) a worker handles side by side; one partition stays in order.
    # 1 by default: threads of one process share one interpreter lock, and four of them spent
    # 40 % more CPU per comment for no more throughput (benchmarks/README.md); scale out with
    # worker processes. More threads help a worker that mostly waits on a distant database.
    worker_threads: int = Field(default=1, ge=1, le=64)
    ack_wait_seconds: float = Field(default=30.0, gt=0)  # redelivered if not acked by then
    retention_hours: float = Field(default=72.0, gt=0)  # how long the stream keeps messages
    duplicate_window_seconds: float = Field(default=120.0, gt=0)  # Nats-Msg-Id de-duplication
    connect_timeout_seconds: float = Field(default=2.0, gt=0)


class MediaSettings(BaseModel):
    """Where media blobs go: the local filesystem by default, S3-compatible storage by setting."""

    backend: Literal["local", "s3"] = "local"
    root: Path | None = None  # backend "local"; default: <data_dir>/media
    max_upload_bytes: int = Field(default=2 * 1024**3, ge=1)  # per blob; larger uploads refused
    s3_bucket: str = ""  # required with backend "s3"
    s3_prefix: str = ""  # key prefix inside the bucket, e.g. "liveguard/media/"
    s3_endpoint_url: str | None = None  # MinIO, Ceph, OSS, moto…; None: AWS itself
    s3_region: str | None = None
    s3_access_key_id: str | None = None  # None (with no secret): boto3's default credential chain
    s3_secret_access_key: SecretStr | None = None
    # Most S3-compatible servers reached by a host name need "path"; AWS prefers "virtual".
    s3_addressing_style: Literal["auto", "path", "virtual"] = "auto"
    # COMPLIANCE-mode Object Lock retention when the bucket has Object Lock enabled.
    s3_object_lock: bool = True

    @model_validator(mode="after")
    def _check_s3(self) -> MediaSettings:
        if self.backend == "s3" and not self.s3_bucket:
            raise ValueError("media.s3_bucket is required when media.backend is s3")
        if (self.s3_access_key_id is None) != (self.s3_secret_access_key is None):
            raise ValueError("give both media.s3_access_key_id and media.s3_secret_access_key")
        return self


class SecuritySettings(BaseModel):
    """Keys, sessions and log-in protection."""

    # Personal-data keys: {"key id": "base64 32-byte key"}; when empty a key file is used.
    pii_keys: dict[str, str] = Field(default_factory=dict)
    pii_active_key: str = ""
    pii_index_key: str = ""  # base64url 32 bytes; required with pii_keys (blind indexes)
    pii_key_file: Path | None = None  # default: <data_dir>/keys/pii-keys.json
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    session_idle_minutes: int = Field(default=120, ge=5, le=24 * 60)
    cookie_secure: bool = True
    lockout_threshold: int = Field(default=5, ge=1, le=100)
    lockout_window_minutes: int = Field(default=15, ge=1)
    lockout_minutes: int = Field(default=15, ge=1)
    token_max_days: int = Field(default=365, ge=1, le=3650)


class EvidenceSettings(BaseModel):
    """The evidence log's periodic work."""

    sign_interval_seconds: float = Field(default=60, ge=0)  # 0: only on demand
    verify_interval_seconds: float = Field(default=86_400, ge=0)  # 0: only on demand
    retention_interval_seconds: float = Field(default=86_400, ge=0)  # 0: only on demand


class JobSettings(BaseModel):
    """Where periodic jobs run."""

    # The embedded default runs them in the web process; with several web processes, turn
    # this off and run one `liveguard worker` instead.
    run_in_web: bool = True


class RegistrySettings(BaseModel):
    """The registry's checks, early warnings and robots (issue 4)."""

    warning_days: int = Field(default=30, ge=1, le=365)  # expiry announced this many days ahead
    warning_interval_seconds: float = Field(default=3600, ge=0)  # 0: only on demand
    max_scan_bytes: int = Field(default=10 * 1024**2, ge=1024)  # scanned documents
    # Real-name verification: "none" (reviewers record checks by hand) or an HTTP service.
    verifier: Literal["none", "http"] = "none"
    verifier_url: str = ""
    verifier_token: SecretStr | None = None
    verifier_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    # Hosts robots may be registered for (DingTalk, WeCom, Feishu/Lark); tests add 127.0.0.1.
    webhook_hosts: list[str] = Field(
        default_factory=lambda: [
            "oapi.dingtalk.com",
            "qyapi.weixin.qq.com",
            "open.feishu.cn",
            "open.larksuite.com",
        ]
    )
    webhook_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    webhook_max_attempts: int = Field(default=5, ge=1, le=100)
    # The State Council's holiday calendar (法定节假日, and 调休 weekends that are worked), for the
    # working-day deadlines of disclosure changes; other weekends are rest days.
    holidays: list[date] = Field(default_factory=list)
    makeup_workdays: list[date] = Field(default_factory=list)
    public_base_url: str = ""  # e.g. https://liveguard.example.cn, for links in robot messages
    # Conduct (7.2.4, 7.4.3): points per violation code (overriding the registry's table) and the
    # totals within 365 days that bring a warning and a suspension.
    penalty_points: dict[str, int] = Field(default_factory=dict)
    penalty_warning_points: int = Field(default=6, ge=1, le=1000)
    penalty_suspension_points: int = Field(default=12, ge=1, le=1000)

    @model_validator(mode="after")
    def _check_verifier(self) -> RegistrySettings:
        if self.verifier == "http" and not self.verifier_url.startswith(("http://", "https://")):
            raise ValueError("verifier http needs registry.verifier_url (http or https)")
        return self


class AftersalesSettings(BaseModel):
    """After-sales deadlines (issue 7): the platform's, within what the measures allow."""

    response_hours: int = Field(default=48, ge=1, le=168)  # merchant answers, else auto-approved
    # 网络购买商品七日无理由退货暂行办法 第十三条: refund within 7 days of receiving the return.
    refund_days: int = Field(default=7, ge=1, le=7)
    violation_days: int = Field(default=15, ge=1, le=60)  # a refund this late is flagged
    # A case photo's size cap (API and the consumer portal's return form).
    photo_max_bytes: int = Field(default=10 * 1024 * 1024, ge=64 * 1024, le=50 * 1024 * 1024)

    @model_validator(mode="after")
    def _check_order(self) -> AftersalesSettings:
        if self.violation_days < self.refund_days:
            raise ValueError("aftersales.violation_days must be at least aftersales.refund_days")
        return self


class ComplaintSettings(BaseModel):
    """Complaint clocks, the consumer's one-time codes and emergency rules (issue 8)."""

    # Order 117 Art. 20: published complaint flows and feedback deadlines (defaults of issue 8).
    accept_hours: float = Field(default=24, gt=0, le=24 * 30)
    first_response_hours: float = Field(default=24, gt=0, le=24 * 30)
    resolution_days: float = Field(default=7, gt=0, le=90)
    intervention_hours: float = Field(default=24, gt=0, le=24 * 30)  # after the consumer asks
    counting: Literal["calendar", "working_days", "business_hours"] = "working_days"
    business_opens: time = time(9, 0)
    business_closes: time = time(18, 0)
    # Official holidays and adjusted working days (JSON); None: complaint/data/holidays_cn.json.
    holidays_file: Path | None = None
    # One-time codes for filing without an account.
    code_ttl_seconds: int = Field(default=300, ge=30, le=3600)
    code_max_attempts: int = Field(default=5, ge=1, le=20)
    codes_per_phone_per_hour: int = Field(default=5, ge=1, le=100)
    # Emergency: this many complaints about one room or product within an hour open one.
    emergency_threshold: int = Field(default=5, ge=2, le=10_000)
    escalation_interval_seconds: float = Field(default=300, ge=0)  # 0: only on demand


class WebSettings(BaseModel):
    """The HTTP server."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    default_language: Literal["zh", "en"] = "zh"
    trusted_proxies: list[str] = Field(default_factory=list)


class Settings(BaseSettings):
    """All of LiveGuard's configuration."""

    model_config = SettingsConfigDict(
        env_prefix="LIVEGUARD_",
        env_nested_delimiter="__",
        extra="ignore",
    )

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("var")
    log_level: str = "INFO"
    db: DatabaseSettings = Field(default_factory=DatabaseSettings)
    bus: BusSettings = Field(default_factory=BusSettings)
    media: MediaSettings = Field(default_factory=MediaSettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    web: WebSettings = Field(default_factory=WebSettings)
    evidence: EvidenceSettings = Field(default_factory=EvidenceSettings)
    jobs: JobSettings = Field(default_factory=JobSettings)
    registry: RegistrySettings = Field(default_factory=RegistrySettings)
    aftersales: AftersalesSettings = Field(default_factory=AftersalesSettings)
    complaint: ComplaintSettings = Field(default_factory=ComplaintSettings)

    @field_validator("log_level")
    @classmethod
    def _upper_level(cls, value: str) -> str:
        return value.upper()

    @property
    def database_url(self) -> str:
        """The SQLAlchemy URL: the configured one, or the embedded SQLite file under data_dir."""
        if self.db.url:
            return self.db.url
        return f"sqlite:///{(self.data_dir / 'liveguard.sqlite3').as_posix()}"

    @property
    def media_root(self) -> Path:
        """Where media blobs are stored."""
        return self.media.root or self.data_dir / "media"

    @property
    def pii_key_file(self) -> Path:
        """The personal-data key file (used when no keys are given in settings)."""
        return self.security.pii_key_file or self.data_dir / "keys" / "pii-keys.json"


def load_settings(**overrides: object) -> Settings:
    """Build the settings from the environment (and explicit overrides, used by tests)."""
    return Settings(**overrides)  # type: ignore[arg-type]
