"""The reign-era table and the era + year parser, on real inscription phrases."""

from __future__ import annotations

import json

import pytest

from indexer.dating.eras import ERA_TABLE, EraTableError, load_eras, parse_table
from indexer.dating.inscriptions import find_dates, normalise, read_numeral

# (text as written, the phrase found, CE years it can mean)
REAL_PHRASES = [
    # Mogao cave 285, north wall: the paper's Fig. 4, "Datong fourth year (AD 538)"
    ("大代大魏大统四年岁次戊午八月中旬造", "大统四年", (538,)),
    ("大代大魏大統四年歲次戊午", "大統四年", (538,)),
    # cave 285, the other dedicatory inscription, "fifth year (539)"
    ("大统五年五月廿一日造讫", "大统五年", (539,)),
    ("大統五年", "大統五年", (539,)),
    # Yuan Rong's sutra colophons (Dunhuang, Northern Wei)
    ("大魏建明二年四月十五日", "建明二年", (531,)),
    ("开皇四年", "开皇四年", (584,)),
    ("開皇廿年", "開皇廿年", (600,)),
    # cave 220, the Zhai family's inscription 贞观十六年 (642)
    ("贞观十有六年敬造奉", "贞观十有六年", (642,)),
    ("贞观十六年敬造", "贞观十六年", (642,)),
    ("貞觀廿三年", "貞觀廿三年", (649,)),
    # cave 156 / 148 era names of the Tang
    ("大历十一年龙集景辰", "大历十一年", (776,)),
    ("開元卅年", None, ()),  # 开元 has 29 years: not a date
    ("天宝元年", "天宝元年", (742,)),
    ("咸通八年", "咸通八年", (867,)),
    ("大中五年", "大中五年", (851,)),
    # Guiyijun under the Five Dynasties and Song
    ("同光三年", "同光三年", (925,)),
    ("太平兴国三年", "太平兴国三年", (978,)),
    ("大中祥符四年", "大中祥符四年", (1011,)),
    # Western Xia and Yuan
    ("大夏贞观四年", "贞观四年", (1104,)),
    ("至正八年", "至正八年", (1348,)),
    ("太平真君十一年", "太平真君十一年", (450,)),
    ("前秦建元二年", "建元二年", (366,)),
]


@pytest.mark.parametrize(("text", "phrase", "years"), REAL_PHRASES)
def test_real_inscription_phrases(text, phrase, years):
    found = find_dates(text)
    if phrase is None:
        assert found == []
    else:
        assert [(d.text, d.years) for d in found] == [(phrase, years)]


def test_the_paper_cave_285_years():
    (fourth,) = find_dates("大代大魏大统四年")
    (fifth,) = find_dates("大统五年")
    assert (fourth.year, fifth.year) == (538, 539)
    assert fourth.readings[0].era.dynasty == "western-wei"


def test_a_year_beyond_the_era_is_not_a_date():
    # 大统 535–551 has 17 years
    assert find_dates("大统十七年")[0].year == 551
    assert find_dates("大统十八年") == []
    # 贞观 of the Tang has 23 years; 开皇 20
    assert find_dates("贞观廿四年") == []
    assert find_dates("开皇廿一年") == []


def test_a_shared_name_gives_every_reading_unless_a_dynasty_is_named():
    (both,) = find_dates("贞观四年")
    assert both.years == (630, 1104) and both.year is None
    assert find_dates("大唐贞观四年")[0].years == (630,)
    assert find_dates("大夏贞观四年")[0].years == (1104,)
    # Western Xia's 贞观 had 13 years: 贞观十六年 can only be the Tang's
    assert find_dates("贞观十六年")[0].years == (642,)


def test_several_dates_in_one_text_in_order():
    found = find_dates("开皇四年造，大业三年重修")
    assert [d.year for d in found] == [584, 607]
    assert found[1].start == 6


def test_text_without_an_era_year_phrase():
    assert find_dates("南无阿弥陀佛") == []
    assert find_dates("四年") == []
    assert find_dates("") == []


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("元", 1), ("四", 4), ("十", 10), ("十一", 11), ("一十二", 12), ("二十三", 23),
        ("廿", 20), ("廿三", 23), ("卅", 30), ("卅一", 31), ("卌", 40),
        ("十有六", 16), ("有六", None),
        ("二三", None), ("十十", None), ("二廿", None), ("", None), ("年", None),
    ],
)  # fmt: skip
def test_chinese_year_numerals(numeral, value):
    assert read_numeral(numeral) == value


def test_traditional_forms_read_as_simplified_keeping_offsets():
    text = "大統四年貳月"
    assert normalise(text) == "大统四年二月"
    assert len(normalise(text)) == len(text)


def test_the_table_has_the_required_eras_right():
    eras = {(e.name, e.dynasty): e for e in load_eras()}
    assert (eras["大统", "western-wei"].first_year, eras["大统", "western-wei"].last_year) == (
        535,
        551,
    )
    assert (eras["开皇", "sui"].first_year, eras["开皇", "sui"].last_year) == (581, 600)
    assert (eras["贞观", "tang"].first_year, eras["贞观", "tang"].last_year) == (627, 649)
    assert eras["大统", "western-wei"].name_traditional == "大統"
    dynasties = {e.dynasty for e in load_eras()}
    required = {"former-liang", "northern-liang", "northern-wei", "western-wei"}
    required |= {"northern-zhou", "sui", "tang", "western-xia", "yuan", "northern-song"}
    required |= {"later-liang", "later-tang", "later-jin", "later-han", "later-zhou"}
    assert required <= dynasties


def test_the_table_cites_its_source_and_notes_the_tibetan_period():
    document = json.loads(ERA_TABLE.read_text(encoding="utf-8"))
    assert "中国历史纪年表" in document["source"]
    assert any("Tibetan" in note for note in document["notes"])
    for era in load_eras():
        assert 300 <= era.first_year <= era.last_year <= 1370, era
        assert len(era.name) == len(era.name_traditional), era


def test_a_malformed_table_is_refused():
    with pytest.raises(EraTableError, match="last year before first year"):
        parse_table(
            {"eras": [{"dynasty": "x", "dynasty_zh": "", "pinyin": "X", "name": "大统",
                       "name_traditional": "大統", "first_year": 551, "last_year": 535}]}
        )  # fmt: skip
    with pytest.raises(EraTableError, match="no eras"):
        parse_table({"eras": []})
