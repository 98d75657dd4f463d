"""Every Chinese text the console can show has an English entry, and English readers get it."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from liveguard import bootstrap
from liveguard.access import ORG_KINDS, ROLES
from liveguard.errors import LiveguardError
from liveguard.web import console
from liveguard.web.i18n import Translator
from liveguard.web.problems import HTTP_TITLES
from tests.conftest import PASSWORD, World
from tests.web.helpers import log_in

PACKAGE = bootstrap.PACKAGE
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
LITERAL = re.compile(r"""_\(\s*(?:"([^"\\]*)"|'([^'\\]*)')""")
# Modules whose messages reach console pages (CLI output is not the console's business).
MESSAGE_SOURCES = [
    "identity",
    "audit",
    "evidence",
    "aftersales",
    "complaint",
    "order",
    "plan",
    "registry",
    "security",
    "web",
    "errors.py",
]
SKIPPED_SOURCES = {"cli.py"}


@pytest.fixture(scope="module")
def translator() -> Translator:
    """The catalogs bootstrap loads, from the same places."""
    files = [PACKAGE / "web" / "locales" / "en.json"]
    files += [d.folder / "locales" / "en.json" for d in bootstrap.DOMAINS]
    for path in files:
        assert path.is_file(), f"missing catalog {path}"
    return Translator(files)


def template_files() -> list[Path]:
    folders = [PACKAGE / "web" / "templates"]
    folders += [d.folder / "templates" for d in bootstrap.DOMAINS]
    return sorted(p for folder in folders if folder.is_dir() for p in folder.rglob("*.html"))


def template_texts() -> set[str]:
    texts: set[str] = set()
    for path in template_files():
        for double, single in LITERAL.findall(path.read_text(encoding="utf-8")):
            texts.add(double or single)
    return texts


def error_titles() -> set[str]:
    titles: set[str] = set()
    pending: list[type[LiveguardError]] = [LiveguardError]
    while pending:
        cls = pending.pop()
        titles.add(cls.title)
        pending.extend(cls.__subclasses__())
    return titles


def field_labels() -> set[str]:
    labels = set(console.COMMON_LABELS.values())
    for domain in bootstrap.DOMAINS:
        for router in domain.console_routers:
            route_class = router.route_class
            assert issubclass(route_class, console.ConsoleRoute), router.prefix
            labels |= set(route_class.field_labels.values())
    return labels


def console_texts() -> set[str]:
    """Everything a console page passes through ``_``."""
    texts = template_texts()
    texts |= {n.label for d in bootstrap.DOMAINS for n in d.nav}
    texts |= {t.label for d in bootstrap.DOMAINS for t in d.tiles}
    texts |= set(ROLES.values()) | set(ORG_KINDS.values())
    texts |= error_titles() | {title for _code, title in HTTP_TITLES.values()}
    texts |= {"请求失败", "服务器内部错误，已记录。"}  # web/problems.py's fallbacks
    texts |= {"组织参数无效"}  # identity/console.py: a malformed organisation in the token form
    texts |= field_labels()
    texts |= {template for template, _limit in console.VALIDATION_MESSAGES.values()}
    return texts | {console.DEFAULT_MESSAGE}


def test_the_templates_were_found() -> None:
    assert len(template_files()) >= 9
    assert {"登录", "工作台", "上一页", "审计日志"} <= template_texts()


def test_every_console_text_has_an_english_entry(translator: Translator) -> None:
    assert translator.missing(sorted(console_texts())) == []


def raised_messages() -> Iterator[tuple[str, str]]:
    """Chinese messages given to the error classes, f-string holes filled with ``7``."""
    error_names = {cls.__name__ for cls in _error_classes()}
    for source in MESSAGE_SOURCES:
        root = PACKAGE / source
        paths = [root] if root.is_file() else sorted(root.rglob("*.py"))
        for path in paths:
            if path.name in SKIPPED_SOURCES or "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and _called_name(node) in error_names and node.args:
                    text = _filled(node.args[0])
                    if text and CJK.search(text):
                        yield f"{path.relative_to(PACKAGE)}:{node.lineno}", text


def _error_classes() -> list[type[LiveguardError]]:
    found, pending = [], [LiveguardError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    return call.func.attr if isinstance(call.func, ast.Attribute) else None


def _filled(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "7" for v in node.values)
    return None


def test_messages_raised_for_the_console_translate_completely(translator: Translator) -> None:
    messages = list(raised_messages())
    assert len(messages) > 20
    english = translator.gettext("en")
    untranslated = [(where, m, english(m)) for where, m in messages if CJK.search(english(m))]
    assert untranslated == []


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("账号或密码错误", "Incorrect e-mail or password"),
        (
            "登录失败次数过多，请在 15 分钟后重试",
            "Too many failed log-ins. Please try again in 15 minutes.",
        ),
        (
            "组织名称不能为空且不超过 200 字",
            "Organisation name must not be empty and at most 200 characters long",
        ),
        ("起始日期格式应为 YYYY-MM-DD", "Start date must be a date in the form YYYY-MM-DD"),
        (
            "页码不能小于 1；每页条数应为整数",
            "Page number must not be less than 1; Items per page must be a whole number",
        ),
        ("未收录的一句话", "未收录的一句话"),
    ],
)
def test_filled_in_messages_are_matched_against_placeholders(
    translator: Translator, message: str, expected: str
) -> None:
    assert translator.gettext("en")(message) == expected


def test_templates_fill_placeholders_in_either_language(translator: Translator) -> None:
    text = "第 {page} / {last} 页 · 共 {total} 条"
    assert translator.gettext("zh")(text, page=2, last=3, total=120) == "第 2 / 3 页 · 共 120 条"
    assert translator.gettext("en")(text, page=2, last=3, total=120) == "Page 2 of 3 · 120 in total"
    # Values are data, never translated or re-interpreted as templates.
    assert translator.gettext("en")("欢迎，{name}。", name="客服 {x}") == "Welcome, 客服 {x}."


def test_validation_errors_read_as_chinese_sentences(translator: Translator) -> None:
    errors = [
        {"type": "uuid_parsing", "loc": ("path", "user_id")},
        {"type": "string_too_long", "loc": ("query", "q"), "ctx": {"max_length": 100}},
        {"type": "something_new", "loc": ("query", "page")},
    ]
    message = console.describe_validation_errors(errors, {"user_id": "用户编号", "q": "姓名或邮箱"})
    assert message == "用户编号不是有效的编号；姓名或邮箱不能超过 100 个字符；页码格式不正确"
    assert not CJK.search(translator.gettext("en")(message))


# ----------------------------------------------------------------------------- pages in English


def english(client: TestClient) -> None:
    client.cookies.set("lg_lang", "en")


def test_login_page_in_english(client: TestClient) -> None:
    english(client)
    page = client.get("/console/login")
    assert page.status_code == 200
    assert '<html lang="en">' in page.text
    for text in ("Log in", "E-mail", "Password", "中文"):
        assert text in page.text
    assert "登录" not in page.text


def test_home_page_in_english(client: TestClient, world: World) -> None:
    english(client)
    home = log_in(client, world.staff_a.email)
    assert home.status_code == 200
    for text in ("Dashboard", "Welcome, staff-a.", "商家甲 · Merchant staff", "Visible users"):
        assert text in home.text
    assert "Audit" not in home.text  # a merchant sees no audit figures
    for chinese in ("工作台", "欢迎", "首页", "退出登录", "商家员工", "可见组织"):
        assert chinese not in home.text


def test_login_errors_in_english(client: TestClient, world: World) -> None:
    english(client)
    wrong = log_in(client, world.staff_a.email, password="not-the-password")
    assert wrong.status_code == 401
    assert "Incorrect e-mail or password" in wrong.text
    for _attempt in range(5):
        locked = log_in(client, world.staff_a.email, password=PASSWORD + "x")
    assert locked.status_code == 423
    assert "Too many failed log-ins. Please try again in 15 minutes." in locked.text


def test_no_two_catalogs_translate_the_same_text_differently() -> None:
    """The catalogs are merged into one: a text translated twice would take the later domain's
    words on every page (use a more specific Chinese text where the meaning differs)."""
    files = [PACKAGE / "web" / "locales" / "en.json"]
    files += [d.folder / "locales" / "en.json" for d in bootstrap.DOMAINS]
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for path in (f for f in files if f.is_file()):  # a missing one fails the test above
        for source, english in json.loads(path.read_text(encoding="utf-8")).items():
            first = seen.setdefault(source, (path.parent.parent.name, english))
            if first[1] != english:
                clashes.append((source, first, (path.parent.parent.name, english)))
    assert clashes == []
