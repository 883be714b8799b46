"""The pair model (kb.extract.qa_model, rules/qa_model.yaml): its features, how it filters and scores
pairs, and how its file is validated."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from kb.extract.qa_model import pair_features
from kb.extract.qa_signals import Msg, link_day, second_look
from kb.rules import DEFAULT_RULES_DIR, RulesError, check_rules
from kb.rules.qa import MODEL_FILE, PairModel, feature_names, load_pair_model, load_qa_rules


@pytest.fixture(scope="module")
def rules():
    return load_qa_rules()


@pytest.fixture(scope="module")
def linker(rules):
    """The shipped rules without the model: what the model gets to see."""
    return dataclasses.replace(rules, model=None)


def chat(*rows) -> list[Msg]:
    """Messages from (time, speaker, text[, extra fields]) rows; a day of one group."""
    return [Msg(id=seq + 1, seq=seq, time=time, speaker=speaker, kind="text", text=text, **(extra[0] if extra else {}))
            for seq, (time, speaker, text, *extra) in enumerate(rows)]


def features_of(messages, linker, question_seq=None):
    pairs = link_day(messages, linker)
    pair = next(p for p in pairs if question_seq is None or p.question.seq == question_seq)
    return pair_features(messages, pair.question.seq, pair)


ASK = ("09:00:00", "小林-蓝海支付", "请问备付金和资金池有什么区别？")
EXPLAIN = ("09:01:00", "老周-星河银行", "备付金是支付机构收到的预收待付资金，要集中存管，资金池是另一回事。")


@pytest.mark.parametrize("rows, wanted, unwanted", [
    # a request with a long answer that shares its words
    ((ASK, EXPLAIN), {"q:request", "q:wh", "q:ends_qmark", "a:overlap", "answers<2", "a:longest<60", "qlen<24"},
     {"q:you", "q:no_qmark", "a:nearness_only", "q:follow_up"}),
    # asked back at the one who just spoke, short, to "you": the shape of a counter-question
    ((("09:00:00", "老周-星河银行", "我们的清分是T+1出文件的"),
      ("09:00:40", "小林-蓝海支付", "你说的是对账文件？"),
      ("09:01:00", "老周-星河银行", "对，对账文件每天早上八点前出")),
     {"q:you", "q:echo", "ctx:short_after_other", "qlen<14", "a:first_gap<2", "a:first_was_talking"},
     {"q:request"}),
    # a greeting's 您好 is not "you", and the 2333 inside a number is not a laugh
    ((("09:00:00", "小林-蓝海支付", "您好，请问一笔12333元的退款多久能到账？"),
      ("09:01:00", "老周-星河银行", "原路退回的话一般一到三个工作日到账")),
     {"q:request"}, {"q:you", "q:laugh"}),
    # … but 你好像 is "you seem"
    ((("09:00:00", "小林-蓝海支付", "你好像做过代付，退票一般多久能回来？"),
      ("09:01:00", "老周-星河银行", "一般要等银行的退票文件，两三天")),
     {"q:you"}, set()),
    # a follow-up (那…) with a grin, answered by a word from someone who talks on
    ((("10:00:00", "阿杰-云付科技", "那二清是不是就没人管了[捂脸]"),
      ("10:00:20", "Mia-北辰金服", "管的"),
      ("10:00:30", "Mia-北辰金服", "去年就开始查二清了，罚了好几家")),
     {"q:follow_up", "q:emoji", "q:laugh", "q:no_qmark", "a:continuation"},
     {"q:ends_qmark", "q:you"}),
])
def test_features_read_the_shape_of_a_pair(linker, rows, wanted, unwanted):
    features = features_of(chat(*rows), linker)
    assert wanted <= {name for name, value in features.items() if value}, features
    assert not unwanted & {name for name, value in features.items() if value}, features


def test_every_feature_is_a_known_name(linker):
    names = feature_names(cue.name for cue in linker.cues)
    rows = (("08:59:00", "老周-星河银行", "早"), ASK, EXPLAIN, ("09:02:00", "小林-蓝海支付", "明白了，谢谢"))
    features = features_of(chat(*rows), linker)
    assert set(features) <= names


def test_the_shipped_model_weighs_only_features_that_exist(rules):
    assert rules.model is not None, f"rules/{MODEL_FILE} is shipped with the rules"
    unknown = set(rules.model.weights) - feature_names(cue.name for cue in rules.cues)
    assert not unknown, f"weights of features pair_features never sets (retrain): {sorted(unknown)}"
    assert 0 < rules.model.keep < 1


def test_second_look_drops_pairs_below_keep_and_scores_the_rest_by_probability(linker):
    messages = chat(ASK, EXPLAIN, ("09:05:00", "阿杰-云付科技", "你们午饭吃了吗？"), ("09:05:30", "Mia-北辰金服", "吃了"))
    pairs = link_day(messages, linker)
    asked = next(p for p in pairs if p.question.seq == 0)
    # a request is kept with the probability 1/(1+e^-2); everything else falls below keep
    model = PairModel({"bias": -1.0, "q:request": 3.0}, keep=0.5)
    kept = second_look(messages, pairs, model)
    assert [p.question.seq for p in kept] == [0]
    assert kept[0].score == pytest.approx(0.881, abs=1e-3)
    assert kept[0].link_score == asked.score
    assert kept[0].answers == asked.answers
    assert second_look(messages, pairs, PairModel({"bias": -5.0}, keep=0.5)) == []


def test_link_day_takes_the_second_look_when_the_rules_have_a_model(linker):
    messages = chat(ASK, EXPLAIN)
    strict = dataclasses.replace(linker, model=PairModel({"bias": -5.0}, keep=0.5))
    lenient = dataclasses.replace(linker, model=PairModel({"bias": 5.0}, keep=0.5))
    assert link_day(messages, linker) and not link_day(messages, strict)
    (pair,) = link_day(messages, lenient)
    assert pair.score == pytest.approx(0.993, abs=1e-3) and pair.link_score is not None


def write_model(folder, text):
    shutil.copy(DEFAULT_RULES_DIR / "qa.yaml", folder / "qa.yaml")
    (folder / MODEL_FILE).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("text, rule, message", [
    ("keep: 1.5\nweights: {bias: 1}\n", "keep", "must be between 0 and 1"),
    ("keep: 1\nweights: {bias: 1}\n", "keep", "must be below 1"),
    ("weights: {bias: 1}\n", "keep", "is missing"),
    ("keep: 0.3\nweights: {bias: 1, q:ends_qmrk: 0.5}\n", "weights.q:ends_qmrk", "no such feature"),
    ("keep: 0.3\nweights: {bias: 1, cue:no_such_cue: 0.5}\n", "weights.cue:no_such_cue", "no such feature"),
    ("keep: 0.3\nweights: {bias: high}\n", "weights.bias", "must be a number"),
    ("keep: 0.3\nweights: {}\n", "weights", "mapping of feature names to numbers"),
    ("keep: 0.3\nweights: {bias: 1}\nthreshold: 2\n", "threshold", "unknown key"),
    ("- 1\n- 2\n", None, "must be a mapping with keep and weights"),
])
def test_a_bad_model_file_names_file_line_and_setting(tmp_path, text, rule, message):
    with pytest.raises(RulesError) as info:
        load_qa_rules(write_model(tmp_path, text))
    problem = info.value.problems[0]
    assert problem.file.endswith(MODEL_FILE) and problem.rule == rule and message in problem.message
    if rule and message != "is missing":  # a missing key has no line
        assert problem.line is not None
    with pytest.raises(RulesError):  # kb extract and kb build check every rule file first
        check_rules(tmp_path)


def test_problems_of_qa_yaml_and_the_model_file_are_reported_together(tmp_path):
    write_model(tmp_path, "keep: 1\nweights: {bias: 1}\n")
    qa = tmp_path / "qa.yaml"
    qa.write_text(qa.read_text(encoding="utf-8").replace("threshold:", "threshold: -1 #", 1), encoding="utf-8")
    with pytest.raises(RulesError) as info:
        load_qa_rules(tmp_path)
    assert {(Path(p.file).name, p.rule) for p in info.value.problems} == {("qa.yaml", "question.threshold"),
                                                                          (MODEL_FILE, "keep")}
    qa.write_text("question: [unclosed\n", encoding="utf-8")  # qa.yaml unreadable: the model is still checked
    with pytest.raises(RulesError) as info:
        load_qa_rules(tmp_path)
    assert {Path(p.file).name for p in info.value.problems} == {"qa.yaml", MODEL_FILE}


def test_without_a_model_file_there_is_no_second_look(tmp_path):
    shutil.copy(DEFAULT_RULES_DIR / "qa.yaml", tmp_path / "qa.yaml")
    assert load_pair_model(tmp_path) is None
    assert load_qa_rules(tmp_path).model is None


def test_kb_eval_says_when_the_model_dropped_a_pair(linker):
    from kb.extract.qa_signals import why_unpaired

    messages = chat(ASK, EXPLAIN)
    strict = dataclasses.replace(linker, model=PairModel({"bias": -5.0}, keep=0.5))
    assert why_unpaired(messages, 0, linker) == "the question of a pair"
    assert why_unpaired(messages, 0, strict).startswith("a pair the pair model drops (probability 0.01, below keep 0.5")


def test_a_restated_question_keeps_its_pair_and_the_linker_score(rules, linker):
    messages = chat(("20:30:00", "张鑫", "问题：户账分离是怎么做的？ 回答：通过映射表把用户和账户分开，一个用户可以有多个账户"))
    (linked,) = link_day(messages, linker)
    (pair,) = link_day(messages, rules)
    assert pair.score == linked.score and pair.link_score is None
