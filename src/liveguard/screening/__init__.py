"""Screening: real-time checking of host speech and viewer comments (实时审核).

A pure engine (:mod:`liveguard.screening.engine`): evasion-resistant normalisation, a lexicon
whose every rule names its legal basis, context rules with the SAMR absolute-term exemptions,
and product-aware checks against a session's fact sheet (直播营销服务规范 6.2 b/e, 6.3.1, 7.2.1 d,
7.2.4, 7.3.2.2; 广告法 第九条第三项、第十六至十八条、第二十五条). ``liveguard screen`` exposes it
as the NDJSON contract of the design document. Around it: lexicon versions in the database
(hot-reloaded by running workers), HTTP/WebSocket ingest of live rooms, the screening handler
with its action policy, evidence records, the review queue and the live-room monitor.
Other domains import only from here.
"""

from liveguard.screening.claims import build_services, check_claim
from liveguard.screening.engine import Engine, Finding, default_engine
from liveguard.screening.events import FindingsRecorded, MessagesReceived
from liveguard.screening.facts import FactSheet, check_facts
from liveguard.screening.lexicon import CATEGORIES, Lexicon, load_default, parse_lexicon
from liveguard.screening.models import Finding as StoredFinding
from liveguard.screening.models import Message
from liveguard.screening.permissions import GRANTS
from liveguard.screening.service import count_findings, ingest_lines, replay_target
from liveguard.screening.store import warm_up

__all__ = [
    "CATEGORIES",
    "GRANTS",
    "Engine",
    "FactSheet",
    "Finding",
    "FindingsRecorded",
    "Lexicon",
    "Message",
    "MessagesReceived",
    "StoredFinding",
    "build_services",
    "check_claim",
    "check_facts",
    "count_findings",
    "default_engine",
    "ingest_lines",
    "load_default",
    "parse_lexicon",
    "replay_target",
    "warm_up",
]
