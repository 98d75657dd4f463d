"""``liveguard demo live``: a labelled 【演示】 live session replayed through the real ingest path.

Host speech and viewer comments of the food shop's winter special, with violations and
evasions among ordinary chatter (absolute terms, disease claims, guaranteed returns, WeChat
handles written as 薇信/V信/vx and spaced-out numbers, fake-data offers, insults), sent to the
demo room as NDJSON batches at a chosen rate. Each message is screened by the same handler a
platform's batches reach, so the room's monitor lights up as they arrive.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

# (source, author or None for the host, text)
SCRIPT: tuple[tuple[str, str | None, str], ...] = (
    ("speech", None, "【演示】欢迎来到山野鲜食直播间，今天是冬季专场"),
    ("comment", "演示观众·小雨", "来了来了"),
    ("comment", "演示观众·阿杰", "主播晚上好"),
    ("speech", None, "这款云南高山菌菇礼盒，五百克一盒，冷链发货"),
    ("comment", "演示观众·木木", "菌菇怎么保存呀"),
    ("speech", None, "收到冷藏就好，最佳食用期是七天内"),
    ("speech", None, "这是全网最低价，绝对第一，错过再等一年"),
    ("comment", "演示观众·小雨", "最新款的礼盒包装好看"),
    ("comment", "演示观众·老王", "想要便宜的加我薇信 wx13579abc 私聊"),
    ("speech", None, "第二件半价，第一时间给大家发货"),
    ("comment", "演示观众·阿杰", "我最喜欢吃松茸了"),
    ("speech", None, "菌菇吃了能治疗糖尿病，降血压效果特别好"),
    ("comment", "演示观众·木木", "主播说的是真的吗"),
    ("comment", "演示观众·路人甲", "不要私下转账，小心被骗"),
    ("comment", "演示观众·路人乙", "刷单兼职，日赚三百，好评返现"),
    ("speech", None, "今天下单的宝宝们，顺丰冷链两天到"),
    ("comment", "演示观众·老王", "V 信 一 三 五 七 九 二 四 六 八 零 一"),
    ("comment", "演示观众·小雨", "已下单，期待"),
    ("speech", None, "投资我们合作社稳赚不赔，保本保收益"),
    ("comment", "演示观众·杠精", "主播你就是个煞笔"),
    ("comment", "演示观众·阿杰", "别吵了好好看直播"),
    ("speech", None, "这个菌菇是国家级的品质，史上最好吃"),
    ("comment", "演示观众·木木", "请问支持七天无理由吗"),
    ("speech", None, "生鲜不支持七天无理由，质量问题包退包换"),
    ("comment", "演示观众·路人丙", "买粉买赞找我，扣扣 八八六六九九二二"),
    ("speech", None, "最后一百单，马上下架，再不买就没了"),
    ("comment", "演示观众·小雨", "冲冲冲"),
    ("speech", None, "感谢大家，我们明天同一时间再见"),
)


@dataclass(frozen=True)
class ScriptLine:
    """One line of the replay as the ingest contract takes it."""

    message_id: str
    source: str
    text: str
    offset_ms: int
    author: str | None

    def ndjson(self) -> bytes:
        """The line as NDJSON."""
        doc = {
            "message_id": self.message_id,
            "source": self.source,
            "text": self.text,
            "offset_ms": self.offset_ms,
            "author": self.author,
        }
        return json.dumps(doc, ensure_ascii=False).encode()


def script(run: str, loops: int = 1, spacing_ms: int = 4000) -> list[ScriptLine]:
    """The replay's lines; message ids carry the run's stamp, so a second run is new messages."""
    lines: list[ScriptLine] = []
    for loop in range(loops):
        for n, (source, author, text) in enumerate(SCRIPT):
            index = loop * len(SCRIPT) + n
            lines.append(
                ScriptLine(f"demo-{run}-{index:04d}", source, text, index * spacing_ms, author)
            )
    return lines


def batches(lines: list[ScriptLine], rate: float, tick: float = 0.5) -> list[list[ScriptLine]]:
    """The lines grouped per tick so that ``rate`` messages go out each second (≥ 1 per batch)."""
    size = max(1, round(rate * tick)) if rate > 0 else len(lines) or 1
    return [lines[i : i + size] for i in range(0, len(lines), size)]
