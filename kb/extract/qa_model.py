"""A second look at each linked pair: a logistic model over the pair's shape, learned from pairs
judged by reading (``rules/qa_model.yaml``, trained by ``benchmarks/train_qa_model.py``).

The cues and linking signals of rules/qa.yaml decide what can be a pair; this model weighs
what they leave undecided — a short echo of someone's remark asked back to them, an aside with a
grin, a question whose only replies are a word or two — and drops pairs it judges unlikely to be
a real question with a real answer. It reads nothing but the day's messages and the pair, so a
day is still linked on its own (in a worker, or again later, with the same result).

Features are named strings with values (mostly 0/1); the model's weights are a mapping of
those names. The names are listed in kb.rules.qa (NAMED, BUCKETS), which rejects a weight of a
name pair_features never sets; a feature added here needs its name there, and a retrain to get a
weight.
"""

from __future__ import annotations

import re
from kb.extract.qa_signals import _EMOJI, Msg, Pair
from kb.rules.qa import BUCKETS  # the features' names (NAMED, feature_names) are the rules': they check qa_model.yaml

_LAUGH = re.compile(r"哈哈|呵呵|嘿嘿|嘻嘻|(?<![0-9])2333*(?![0-9])|hhh|\[(?:捂脸|偷笑|奸笑|破涕为笑|坏笑|呲牙|笑哭|机智|调皮|憨笑|发呆|尴尬|抠鼻|白眼|666)\]")
_YOU = re.compile(r"(?:你|您)(?!好(?![像好]))")  # 你好/您好 is a greeting, not "you" (你好像, 你好好… are)
_YOU_ALL = re.compile(r"你们|您们|大家|各位|群里|有没有人|谁")
_WE = re.compile(r"我们|咱们")
_ECHO = re.compile(r"是说|你说的?|你的意思|的意思[吗么]?|你是指|指的是|是指|我确认下|确认一下")
_FOLLOW = re.compile(r"^(?:那|那么|所以|但|但是|可是|不过|还有|另外|然后|如果|要是|其实)")
_YESNO_END = re.compile(r"(?:吗|么|嘛|吧|对吧|是吧|是不是|对不对|没|不)\s*[？?]?\s*$")
_WH = re.compile(r"为什么|为啥|为何|如何|怎么|怎样|什么|哪|谁|多少|几|咋|啥|区别|是否|有没有|能不能|可不可以|会不会")
_REQUEST = re.compile(r"请教|请问|求助|求教|想问|问下|问一下|咨询|指点|请大家|有没有大神|谁了解|谁知道")
_DEFER = re.compile(r"不清楚|不知道|不太了解|不了解|没研究|问问|回头|私聊|改天|网上|百度")


def _bucket(name: str, value: float) -> str:
    """name<edge for the first of the name's BUCKETS edges above value, else name>=last edge."""
    edges = BUCKETS[name]
    for edge in edges:
        if value < edge:
            return f"{name}<{edge:g}"
    return f"{name}>={edges[-1]:g}"


def pair_features(messages: list[Msg], qi: int, pair: Pair) -> dict[str, float]:
    """The features of the pair whose question is ``messages[qi]`` (the day's messages in order)."""
    q = pair.question
    body = q.body
    f: dict[str, float] = {"bias": 1.0}
    for cue in pair.cues:
        f[f"cue:{cue}"] = 1.0
    f["question_score"] = min(pair.question_score, 1.5)
    f[_bucket("qlen", len(body))] = 1.0
    stripped = body.rstrip(" ~～。.!！…")
    f["q:ends_qmark"] = float(stripped.endswith(("？", "?")))
    f["q:no_qmark"] = float("？" not in body and "?" not in body)
    f["q:emoji"] = float(bool(_EMOJI.search(q.text)))
    f["q:laugh"] = float(bool(_LAUGH.search(q.text)))
    f["q:you"] = float(bool(_YOU.search(body)))
    f["q:you_all"] = float(bool(_YOU_ALL.search(body)))
    f["q:we"] = float(bool(_WE.search(body)))
    f["q:echo"] = float(bool(_ECHO.search(body)))
    f["q:follow_up"] = float(bool(_FOLLOW.match(body)))
    f["q:yes_no"] = float(bool(_YESNO_END.search(stripped)) and not _WH.search(body))
    f["q:wh"] = float(bool(_WH.search(body)))
    f["q:request"] = float(bool(_REQUEST.search(body)))
    f["q:at"] = float(bool(q.mentions))
    f["q:quote"] = float(q.kind == "quote")
    f[_bucket("q:terms", len(q.terms))] = 1.0

    # what came just before: the asker's own run, someone else's question (an echo asked back)
    before = messages[max(0, qi - 3):qi]
    f["ctx:asker_just_spoke"] = float(bool(before) and before[-1].speaker == q.speaker)
    f["ctx:asker_run"] = float(len(before) == 3 and all(m.speaker == q.speaker for m in before))
    prev_other = next((m for m in reversed(before) if m.speaker != q.speaker), None)
    if prev_other is not None:
        prev_body = prev_other.body
        f["ctx:after_other_question"] = float("？" in prev_body or "?" in prev_body)
        f["ctx:short_after_other"] = float(len(body) < 16 and q.seconds - prev_other.seconds <= 120)
        f["ctx:shares_terms_before"] = float(bool(q.terms & prev_other.terms))

    answers = pair.answers
    f["pair_score"] = pair.score
    f[_bucket("answers", len(answers))] = 1.0
    speakers = {a.speaker for a, _s, _sig in answers}
    f[_bucket("answerers", len(speakers))] = 1.0
    f["a:by_asker"] = float(q.speaker in speakers)
    best = max(score for _a, score, _sig in answers)
    f["a:best_score"] = best
    signals = set().union(*(sig.keys() for _a, _s, sig in answers))
    for name in ("quote", "mention", "addressed", "overlap", "thanks", "continuation", "is_question",
                 "other_target", "talk", "restated"):
        f[f"a:{name}"] = float(name in signals)
    f["a:overlap_max"] = max((sig.get("overlap", 0.0) for _a, _s, sig in answers), default=0.0)
    f["a:nearness_only"] = float(signals <= {"proximity", "continuation", "is_question", "other_target"})
    first, first_score, first_sig = answers[0]
    # the first answerer was already talking just before the question (going on with their own thread)
    f["a:first_was_talking"] = float(any(m.speaker == first.speaker for m in before))
    f[_bucket("a:first_gap", first.seq - q.seq)] = 1.0
    f["a:first_nearness_only"] = float(set(first_sig) <= {"proximity", "is_question", "other_target"})
    lengths = [len(a.body) for a, _s, _sig in answers]
    f[_bucket("a:longest", max(lengths))] = 1.0
    f["a:terms"] = float(any(a.terms for a, _s, _sig in answers))
    f["a:shared_terms"] = float(any(a.terms & q.terms for a, _s, _sig in answers))
    f["a:defer"] = float(any(_DEFER.search(a.text) and length < 20
                             for (a, _s, _sig), length in zip(answers, lengths)))
    f["a:laugh"] = float(all(_LAUGH.search(a.text) for a, _s, _sig in answers))
    return f
