"""Citations: every one supports its content or says it is a documented default (issue 14
B6), and users read them as the document's number or title and section, never as the
internal code "000 §3(1)1" (issue 14 C10)."""

import re

import pytest
from django.test import Client
from django.utils import translation

from core.vocab import Category, DepartmentType, Phase, Step
from institutions.tests.helpers import register
from licensing import services as licensing
from licensing.models import ApplicationAction, LicensingApplication, Stage
from policy.loader import available_profiles, effective_data
from policy.sources import render

PROFILES = [c for c in available_profiles() if c != "base"]
CODE = re.compile(r"\b\d{3} (?:§|annex)")


def _cited(node, path=""):
    """(path, source, from_seed) of every entry of a profile that cites something."""
    if isinstance(node, dict):
        if "source" in node and path:
            yield path, str(node["source"]), node.get("from_seed", True)
        for key, value in node.items():
            if key != "sources":
                yield from _cited(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _cited(value, f"{path}[{i}]")


TABLE = effective_data("kunming")["sources"]


@pytest.mark.parametrize(("source", "zh", "en"), [
    ("000 §3(1)1", "昆教体办发〔2023〕120号 第三条（一）1", "昆教体办发〔2023〕120号 §3(1)1"),
    ("002 §2(4)", "通培联办〔2023〕1号 第二条（四）", "通培联办〔2023〕1号 §2(4)"),
    ("001 §5(3), §4(2)5, 7", "《北辰区校外培训机构监督管理工作方案》第五条（三）、第四条（二）5、7",
     "《北辰区校外培训机构监督管理工作方案》 §5(3); §4(2)5, 7"),
    ("004 annex 1", "《泉州市深化整治校外培训机构不规范问题减轻中小学生课外负担工作方案》附件1",
     "《泉州市深化整治校外培训机构不规范问题减轻中小学生课外负担工作方案》 annex 1"),
    ("000 §1–2", "昆教体办发〔2023〕120号 第一至二条", "昆教体办发〔2023〕120号 §1–2"),
    ("001 §4(2)19", "《北辰区校外培训机构监督管理工作方案》第四条（二）19",
     "《北辰区校外培训机构监督管理工作方案》 §4(2)19"),
])
def test_a_citation_names_the_document_and_its_section(source, zh, en):
    with translation.override("zh-hans"):
        assert render(source, TABLE) == zh
    with translation.override("en"):
        assert render(source, TABLE) == en


def test_a_default_says_so_and_an_unknown_text_is_shown_as_written():
    with translation.override("zh-hans"):
        assert render("default", TABLE) == "默认配置（非文件规定）"
    assert render("see the minutes", TABLE) == "see the minutes"


@pytest.mark.parametrize("code", PROFILES)
def test_every_citation_of_a_profile_names_a_document_of_its_table(code):
    """Each seed a profile cites has a title (and a number where it has one) in the
    profile's `sources`, and each citation reads as a document and section; a default is
    flagged as not from a seed."""
    data = effective_data(code)
    table = data["sources"]
    for seed in ("000", "001", "002", "003", "004"):
        assert table[seed]["title"], seed
    for path, source, from_seed in _cited(data):
        if source == "default":
            assert from_seed is False, path
            continue
        with translation.override("zh-hans"):
            shown = render(source, table)
        assert not CODE.search(shown) and shown != source, (path, source, shown)


def _kunming_cell(data, category, phase):
    return next(c for c in data["matrix"] if c["category"] == category and c["phase"] == phase)


def test_kunming_citations_support_what_they_cite():
    """Issue 14 B6. 000 §3 describes only establishment (审核登记/审批): change and
    termination steps are a documented default. 000 §4(3) asks for the fund account at
    approval but names nobody, so an assisting owner is a default, and sports' approving
    department cites its approval (000 §3(3)1) with §4(3). 000 §3(3)1 names the review of
    training materials (培训材料审核), not of the application's materials."""
    data = effective_data("kunming")
    for rule in data["licence_approval"]:
        if rule["action"] in ("change", "terminate"):
            assert (rule["source"], rule["from_seed"]) == ("default", False)
    for category in (Category.ARTS, Category.TECH):
        steps = _kunming_cell(data, category, Phase.LICENSING)["steps"]
        fund = next(s for s in steps if s["step"] == Step.FUND_ACCOUNT)
        assert (fund["source"], fund["from_seed"]) == ("default", False)
    sports = {s["step"]: s for s in _kunming_cell(data, Category.SPORTS, Phase.LICENSING)["steps"]}
    assert sports[Step.FUND_ACCOUNT]["source"] == "000 §3(3)1, §4(3)"
    assert (sports[Step.MATERIAL_REVIEW]["source"], sports[Step.MATERIAL_REVIEW]["from_seed"]) \
        == ("default", False)
    assert sports[Step.MATERIALS_REVIEW]["source"] == "000 §3(3)1"


#: 001 §4(2): the item that gives each assisting department its duty.
BEICHEN_DUTY_ITEM = {DepartmentType.MARKET_REGULATION: "5", DepartmentType.DEVELOPMENT_REFORM: "7",
                     DepartmentType.FIRE_RESCUE: "9", DepartmentType.PUBLIC_SECURITY: "13",
                     DepartmentType.FINANCIAL_REGULATION: "17",
                     DepartmentType.TOWN_GOVERNMENT: "19"}


def test_beichen_topic_assists_cite_their_duties():
    """Issue 14 B6: 001 §5(3) sends a complaint to the category's department; the
    assisting departments of a topic are cited from their own duties in 001 §4(2)."""
    for route in effective_data("beichen")["complaint_routing"]:
        source = route["source"]
        assert source.startswith("001 §5(3)")
        items = re.findall(r"\d+", source.partition("§4(2)")[2])
        assert sorted(items) == sorted(BEICHEN_DUTY_ITEM[a] for a in route["assists"]), route


def test_a_licensing_task_cites_the_document_not_the_code(world):
    inst = register(world, "a", 1, category=Category.ARTS)
    probe = LicensingApplication(institution=inst, action=ApplicationAction.ESTABLISH)
    with translation.override("zh-hans"):
        duties = [t["duty"] for stage in (Stage.ACCEPTANCE, Stage.REVIEW, Stage.ONSITE,
                                          Stage.CONCLUSION)
                  for t in licensing.planned_tasks(probe, stage)]
    assert duties and not any(CODE.search(d) for d in duties), duties
    assert any("昆教体办发〔2023〕120号 第三条（一）1" in d for d in duties), duties


def test_duties_page_and_white_list_show_documents_not_codes(world):
    client = Client()
    duties = client.get(f"/duties/{world.a.region.code}/").content.decode()
    assert "昆教体办发〔2023〕120号 第三条（一）1" in duties
    assert not CODE.search(duties)
    white = client.get("/whitelist/").content.decode()
    assert "昆教体办发〔2023〕120号 第四条（三）" in white
    assert not CODE.search(white)


def test_codes_in_help_texts_and_messages_name_their_documents(world):
    """Issue 14 C10 for texts that carry a citation in parentheses: help texts, form
    errors, messages and API errors name the document; a code a profile editor is shown
    as an example of how to write one stays as written."""
    from policy.sources import cite_in_text

    with translation.override("zh-hans"):
        assert cite_in_text("尚未满足（000 §4(3)、004 §6(4)）。") == (
            "尚未满足（昆教体办发〔2023〕120号 第四条（三）；"
            "《泉州市深化整治校外培训机构不规范问题减轻中小学生课外负担工作方案》第六条（四））。")
        assert cite_in_text("001 §5(1)") == "《北辰区校外培训机构监督管理工作方案》第五条（一）"
        example = "依据文件及条款，例如 000 §3(1)1，或填写 'default'。"
        assert cite_in_text(example) == example
    with translation.override("en"):
        assert cite_in_text("Missing (000 §4(3)): x") == \
            "Missing (昆教体办发〔2023〕120号 §4(3)): x"
    inst = register(world)
    client = Client()
    client.force_login(world.a.users["county_admin"])
    page = client.post(f"/office/funds/{inst.uscc}/arrangement/",
                       {"mode": "bank_custody", "custodian_bank": "农行"})
    html = page.content.decode()
    assert page.status_code == 400
    assert "泉州市深化整治校外培训机构不规范问题减轻中小学生课外负担工作方案》第四条（四）" in html
    assert not CODE.search(html), CODE.search(html)


def test_published_says_the_number_is_the_citys_own():
    """A hotline no seed gives (Kunming's 12345) cites the city's own publication, in
    words, and no seed section."""
    with translation.override("zh-hans"):
        assert render("published", TABLE) == "本市自行公布的号码（非文件规定）"
    with translation.override("en"):
        assert render("published", TABLE) == "the city's own published number, not from a policy document"


@pytest.mark.parametrize("code", PROFILES)
def test_each_route_hotline_cites_its_own_citys_document(code):
    """A complaint route's hotline cites the profile's own document where that document
    gives the number (Quanzhou's 004 annex 1, Beichen's 001 §5(3)), and never another
    city's document (tests/hotlines.py reads which seed gives which number)."""
    from tests.hotlines import citation_problem

    data = effective_data(code)
    problems = [(route["category"], route["topic"],
                 citation_problem(data["source"], route["hotline"], route["source"]))
                for route in data["complaint_routing"] if route["hotline"]]
    assert [p for p in problems if p[2]] == []
    assert code != "quanzhou" or len(problems) == 7
