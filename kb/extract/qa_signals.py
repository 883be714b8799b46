"""Question detection and answer linking over one day of one group's messages (pure functions, no database).

``detect_question`` scores one text against the cues and exclusions of rules/qa.yaml;
``link_day`` finds the questions of a day and links each to its answers using the
signals the chat gives: quote-replies, @mentions, replies soon after, shared terms and
words, the asker's thanks, and the answerer going on over several messages. Answers are
contested between the questions open at the same time, so interleaved threads keep
their own answers.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable
from functools import lru_cache
from itertools import chain
from dataclasses import dataclass, field, replace
from typing import Any

from kb.store.nickname import split_nickname
from kb.rules.qa import PairModel, QARules, cue_score

_EMOJI = re.compile(r"\[[^\[\]]{1,8}\]")
_MENTION = re.compile(r"@[^\s\u2005?？，,。:：]+[\u2005?]?")
_SPACE = re.compile(r"[\s\u2005\u3000]+")
# "@李某 - 蚂蚁 - 高级技术专家?" : a nickname written with spaced dashes, ended by the export's ?
_SPACED_MENTION = re.compile(r"@[^\s@?？]{1,12}(?:\s+[-－—_|]\s+[^\s@?？]{1,12}){2,}\s*[?\u2005](?=\S)")
# "@钟巍 一达通 开发?是的…": a nickname written with spaces, ended by the export's ? (not a question
# mark when what it ends holds no interrogative word)
_SPACED_NAME = re.compile(r"@[^\s@?？]{1,12}((?:[ \t]+[^\s@?？，,。]{1,20}){1,3})[ \t]*[?\u2005](?=\S)")
# What a yes-or-no question does not ask: what, how, why, which, who, how many, whether one or the other
_WH_WORD = re.compile(r"为什么|为啥|为何|如何|怎么|怎样|什么|哪|谁|多少|几|咋|啥|区别|还是")
_ASKING = re.compile(r"[吗呢么吧嘛]|什么|怎么|如何|是否|是不是|有没有|哪|谁|几|多少|啥|咋")
_RUNS = re.compile(r"([\u4e00-\u9fff]+)|[A-Za-z0-9]+")
# Characters too common to make two texts share a topic.
_STOP = set("的了是我你他她它们这那个有在和就都也还要会能吗呢吧啊么嘛呀哦嗯一不没很太说下上")


@dataclass
class Msg:
    """What linking needs of one message. Read as built: ``body`` and ``grams`` are computed once
    from the text and @names, so a changed message is a new Msg (``dataclasses.replace``)."""

    id: int
    seq: int
    time: str
    speaker: str
    kind: str
    text: str
    quoted_speaker: str | None = None
    quoted_text: str | None = None
    mentions: list[str] = field(default_factory=list)
    terms: frozenset[int] = frozenset()
    seconds: int = field(init=False)
    _grams: set[str] | None = field(default=None, init=False, repr=False, compare=False)
    _body: str | None = field(default=None, init=False, repr=False, compare=False)
    _asking: tuple | None = field(default=None, init=False, repr=False, compare=False)  # (rules, cues)

    def __post_init__(self) -> None:
        try:
            h, m, s = self.time.split(":")
            self.seconds = int(h) * 3600 + int(m) * 60 + int(s)
        except ValueError:
            self.seconds = 0

    @property
    def body(self) -> str:
        """The text as the cues read it: clean() of it and its @names (computed once)."""
        if self._body is None:
            self._body = clean(self.text, self.mentions)
        return self._body

    def asking(self, rules: QARules) -> tuple[float, list] | None:
        """asking_cues of the body by these rules (computed once for them)."""
        known = self._asking
        if known is None or known[0] is not rules:
            known = self._asking = (rules, asking_cues(self.body, rules))
        return known[1]

    @property
    def grams(self) -> set[str]:
        """The text's character bigrams (computed once)."""
        if self._grams is None:
            self._grams = bigrams(self.text)
        return self._grams


@dataclass
class Question:
    score: float
    cues: list[str]


@dataclass
class Pair:
    """A question message and its ranked answers: (message, score, signals)."""

    question: Msg
    question_score: float
    cues: list[str]
    answers: list[tuple[Msg, float, dict[str, float]]]
    score: float
    link_score: float | None = None  # the linker's score, when the pair model's probability replaced it


_URL = re.compile(r"https?://\S+|www\.\S+")


def clean(text: str, mentions: list[str] | tuple[str, ...] = ()) -> str:
    """The text without links, emoji codes, @mentions and spacing (what cues and lengths look at).

    ``mentions`` are the nicknames the ingester found after @ (they may hold spaces); each is
    removed with the ? or U+2005 the export leaves after it.
    """
    text = _SPACED_MENTION.sub(" ", _URL.sub(" ", text or ""))
    text = _SPACED_NAME.sub(lambda m: m.group() if _ASKING.search(m.group(1)) else " ", text)
    for name in sorted(mentions, key=len, reverse=True):
        text = re.sub("@" + re.escape(name) + r"[?\u2005]?", " ", text)
    text = _MENTION.sub(" ", text)
    text = _EMOJI.sub("", text)
    return _SPACE.sub(" ", text).strip()


def detect_question(text: str, rules: QARules, *, has_term: bool = False, context: str = "",
                    mentions: list[str] | tuple[str, ...] = ()) -> Question | None:
    """Score a message text as a question; None if it is not one (no cue, excluded, too short, off topic).

    ``context`` is what the same speaker said just before (a follow-up like 这样理解对吗？ takes
    its payment content from it); ``mentions`` are the message's @nicknames.
    """
    body = clean(text, mentions)
    return _on_topic(asking_cues(body, rules), body, rules, has_term, context)


def asking_cues(body: str, rules: QARules) -> tuple[float, list] | None:
    """The cue score and cues of a cleaned text that asks by the question cues, whatever it is
    about (no payment content needed); None if it does not (no cue, excluded, too short or long)."""
    if not (rules.min_chars <= len(body) <= rules.max_chars):
        return None
    last = last_clause(body)
    chars = set(body)  # (a rule none of whose characters is there need not run: Pattern.search)
    # the asking cues first: most messages have too few to reach the threshold, and then the
    # exclusions and the statement cues (which only lower the score) need not be read
    matched = [rule.weight > 0 and rule.search(last if rule.scope == "last_clause" else body, chars)
               for rule in rules.cues]
    if cue_score(rule for rule, hit in zip(rules.cues, matched) if hit) < rules.threshold:
        return None
    for rule in rules.exclusions:
        if rule.search(body, chars):
            return None
    cues = [rule for rule, hit in zip(rules.cues, matched)
            if hit or (rule.weight <= 0 and rule.search(last if rule.scope == "last_clause" else body, chars))]
    score = cue_score(cues)
    return (score, cues) if score >= rules.threshold else None


def _on_topic(found: tuple[float, list] | None, body: str, rules: QARules, has_term: bool,
              context: str) -> Question | None:
    """A text that asks (asking_cues) as a question, if it has payment content: a term, a payment
    word, or a payment word in what its speaker said just before."""
    if found is None:
        return None
    score, cues = found
    if not has_term and not rules.domain.search(body) and not (context and rules.domain.search(clean(context))):
        return None
    if has_term:
        score += rules.term_bonus
    return Question(min(1.0, round(score, 3)), [rule.name for rule in cues])


_CLAUSE_END = re.compile(r"[，,。；;！!…]+")


def last_clause(body: str) -> str:
    """The text after the last clause break (，。；！…), ignoring breaks at the very end."""
    parts = [p for p in _CLAUSE_END.split(body) if p.strip()]
    return parts[-1] if parts else body


ASKING_CUES = ("question_mark", "final_particle")


def _asks(body: str, rules: QARules) -> bool:
    """Whether a reply (its cleaned body) asks something itself: a question mark or a final 吗/么
    (hedges like 吧 do not count)."""
    return any(rule.name in ASKING_CUES and rule.search(body) for rule in rules.cues)


def why_unpaired(messages: list[Msg], index: int, rules: QARules, day: DayQuestions | None = None,
                 weights: dict[str, float] | None = None, aliases: dict[str, str] | None = None) -> str:
    """Why the message at ``index`` of a day's messages is no pair's question, as the rules read it
    in its day (for kb eval): an exclusion, a repeated copy, a turn of the speaker's own talk, no
    question cue, no payment content, a question whose replies were not linked or scored too low, or
    a pair the pair model (rules/qa_model.yaml) drops.
    ``day`` is find_questions of the messages, when already known; ``weights`` and ``aliases`` are
    link_day's."""
    m = messages[index]
    exclusion = excluded_by(m.text, rules)
    if exclusion:
        return f"excluded ({exclusion})"
    day = day or find_questions(messages, rules)
    if index in day.repeated:
        return "a repeated copy of the message before it (same time, same text)"
    if index in day.questions:
        relaxed = replace(rules, min_pair_score=0.0, strong_question=0.0, model=None)
        pair = next((p for p in link_day(messages, relaxed, weights, aliases) if p.question is m), None)
        if pair is None:
            return "a question, but no reply was linked to it as an answer"
        if pair.score < rules.min_pair_score:
            return f"a question, but its pair scored {pair.score:.2f}, below linking.min_pair_score {rules.min_pair_score}"
        if pair.question_score < rules.strong_question and not any(EXPLICIT & sig.keys() for _m, _s, sig in pair.answers):
            return (f"a weak question (score {pair.question_score:.2f}, below linking.strong_question "
                    f"{rules.strong_question}) whose answers are tied to it by nearness alone")
        # the relaxed thresholds only keep more pairs: this one's answers and score are the linker's
        if rules.model is not None and not second_look(messages, [pair], rules.model):
            from kb.extract.qa_model import pair_features

            probability = rules.model.probability(pair_features(messages, index, pair))
            return (f"a pair the pair model drops (probability {probability:.2f}, below keep "
                    f"{rules.model.keep} in rules/qa_model.yaml)")
        return "the question of a pair"
    if index in day.talk:
        return "a question of the speaker's own talk, but none of their next messages answers it"
    if index in day.asides:
        return "asked in the middle of the speaker's own talk, to nobody (see question.monologue_* in rules/qa.yaml)"
    if detect_question(m.text, rules, has_term=True, mentions=m.mentions) is not None:
        return "no payment content (no term, no payment word)"
    return "no question cue"


def excluded_by(text: str, rules: QARules) -> str | None:
    """The name of the exclusion that rules a text out as a question, if any (for tests and explanations)."""
    body = clean(text)
    return next((rule.name for rule in rules.exclusions if rule.search(body)), None)


def is_non_answer(text: str, rules: QARules, mentions: list[str] | tuple[str, ...] = ()) -> bool:
    """Whether a reply cannot be an answer: too short once @names and emoji are gone, or chatter."""
    return _non_answer(clean(text, mentions), rules)


def _non_answer(body: str, rules: QARules) -> bool:
    if len(body) < rules.answer_min_chars:
        return True
    return any(rule.search(body) for rule in rules.non_answers)


@lru_cache(maxsize=200_000)
def same_person(a: str | None, b: str | None) -> bool:
    """Whether two nicknames (as written in a header, an @mention or a quote) name the same person."""
    if not a or not b:
        return False
    a, b = a.strip().lstrip("@?"), b.strip().lstrip("@?")
    if not a or not b:
        return False
    if a == b or a.startswith(b) or b.startswith(a):
        return True
    name_a, name_b = split_nickname(a).name.lower(), split_nickname(b).name.lower()
    if name_a == name_b:
        return True
    # 进冬 / 占进冬: one name inside the other (two characters at least)
    return min(len(name_a), len(name_b)) >= 2 and (name_a in name_b or name_b in name_a)


def bigrams(text: str) -> set[str]:
    """Pairs of neighbouring CJK characters (stop characters skipped) and whole latin words, lower case."""
    chars: list[str] = []
    for run in _RUNS.finditer(clean(text)):
        if run.group(1):  # a CJK run: its characters (one regex match a run, not a character: 1.5x faster)
            chars.extend(c for c in run.group(1) if c not in _STOP)
        else:
            chars.append(run.group().lower())
    return {a + b for a, b in zip(chars, chars[1:])} | {c for c in chars if len(c) > 1}


# Weight of a bigram never seen in the chat when weights are given, and the weight sum that makes full overlap.
UNSEEN_WEIGHT = 8.0
FULL_OVERLAP = 12.0


def overlap(q: Msg, a: Msg, qgrams: set[str], agrams: set[str], weights: dict[str, float] | None = None) -> float:
    """0..1: shared terms count fully, else shared character bigrams weighted by rarity (IDF)."""
    if q.terms & a.terms:
        return 1.0
    shared = qgrams & agrams
    if weights is None:
        return min(1.0, len(shared) / 3)
    return min(1.0, sum(weights.get(g, UNSEEN_WEIGHT) for g in shared) / FULL_OVERLAP)


def _key(text: str) -> str:
    return _SPACE.sub("", _EMOJI.sub("", _MENTION.sub("", text or "")))


def find_quoted(messages: list[Msg], index: int, lookback: int = 300) -> int | None:
    """Index of the message that message ``index`` quotes, found by its text (and speaker when possible)."""
    reply = messages[index]
    key = _key(reply.quoted_text or "")
    if not key:
        return None
    probe = key[:20]
    fallback = None
    for i in range(index - 1, max(-1, index - 1 - lookback), -1):
        text = _key(messages[i].text)
        if not text:
            continue
        if text.startswith(probe) or probe in text or (len(text) >= 4 and text in key):
            if same_person(messages[i].speaker, reply.quoted_speaker):
                return i
            fallback = i if fallback is None else fallback
    return fallback


# Signals that tie a reply to the question beyond being near it.
TIES = frozenset({"quote", "mention", "addressed", "overlap", "thanks", "continuation", "restated"})
EXPLICIT = frozenset({"quote", "mention", "addressed", "overlap", "thanks", "restated"})


def learn_aliases(days: Iterable[list[Msg]], lookback: int = 5, min_count: int = 3,
                  min_share: float = 0.6) -> dict[str, str]:
    """@names that are no speaker of their day → the speaker they stand for (group aliases).

    WeChat writes a speaker's own nickname in the header, but an @ uses the name they go by in the
    group (dio writes; replies go to @小吴_产品-承泰-上海). An @name that matches none of the day's
    speakers is counted against the other speakers of the ``lookback`` messages before it; the
    one it follows in at least ``min_share`` of its uses, ``min_count`` times or more (or once, when
    one name holds the other's person part), is taken; when two speakers tie, none is.
    """
    follows: dict[str, Counter] = defaultdict(Counter)
    uses: Counter = Counter()
    for messages in days:
        speakers = {m.speaker for m in messages if m.speaker}
        for j, m in enumerate(messages):
            for name in m.mentions:
                if goes_by(name, speakers):
                    continue
                uses[name] += 1
                recent = {messages[k].speaker for k in range(max(0, j - lookback), j)} - {m.speaker, None, ""}
                follows[name].update(recent)
    aliases = {}
    for name, counter in follows.items():
        ranked = counter.most_common(2)
        if not ranked or (len(ranked) == 2 and ranked[1][1] == ranked[0][1]):
            continue  # nobody, or two speakers as likely: no alias
        speaker, count = ranked[0]
        if count < min_share * uses[name]:
            continue
        if count >= min_count or _share_name(name, speaker):
            aliases[name] = speaker
    return aliases


def goes_by(name: str | None, speakers: Iterable[str]) -> bool:
    """Whether one of ``speakers`` (nicknames as the headers write them) goes by this @name."""
    return any(same_person(name, speaker) for speaker in speakers)


def _share_name(name: str, speaker: str) -> bool:
    """The person part of one nickname is written inside the other (施富宇 / 浅橙现金卡-支付中心-施富宇)."""
    mine, theirs = split_nickname(speaker).name.lower(), split_nickname(name).name.lower()
    return (len(mine) >= 2 and mine in name.lower()) or (len(theirs) >= 2 and theirs in speaker.lower())


@dataclass
class DayQuestions:
    """What the question rules find among one day's messages (indexes into its list)."""

    questions: dict[int, Question]  # ordinary questions, put to the others
    talk: dict[int, Question]  # questions the speaker of a talk asks, to answer them next
    restated: set[int]  # 问题：… 回答：… messages: a question and its own answer, and maybe another's
    repeated: set[int]  # the export's repeated copies of the message before (same time, same text)
    asides: set[int]  # question-like turns of a talk, put to nobody
    asks: set[int]  # messages that ask by the question cues, whatever about (questions among them)


def find_questions(messages: list[Msg], rules: QARules) -> DayQuestions:
    """The questions of one day of one group (messages in order), before any answer is linked."""
    n = len(messages)
    # The export sometimes repeats a message under the speaker's second nickname (same time, same
    # text): the copy is neither a question (its pair would repeat the first's) nor an answer.
    repeated = {i for i in range(1, n) if messages[i].text == messages[i - 1].text
                and messages[i].time == messages[i - 1].time}
    day = DayQuestions({}, {}, set(), repeated, set(), set())
    questions, talk = day.questions, day.talk
    for i, m in enumerate(messages):
        if m.kind == "link" and i not in repeated:  # a link asks too (is it no answer?), but is no question
            if m.asking(rules):
                day.asks.add(i)
        if m.kind in ("text", "quote") and i not in repeated:
            body = m.body
            cues = m.asking(rules)
            found = None
            if cues is not None:
                day.asks.add(i)
                context = " ".join(messages[k].text for k in range(max(0, i - 2), i)
                                   if messages[k].speaker == m.speaker and m.seconds - messages[k].seconds <= 180)
                found = _on_topic(cues, body, rules, bool(m.terms), context)
            if found and in_monologue(messages, i, rules, skip=repeated | questions.keys() | talk.keys()):
                role = talk_role(body, rules)
                if role == "own":
                    talk[i] = found
                elif role == "aside":
                    day.asides.add(i)
                if role != "audience":  # only a question put to the others stays an ordinary one
                    found = None
            if rules.restated is not None and rules.restated.search(m.text) and not excluded_by(m.text, rules):
                day.restated.add(i)
                day.asides.discard(i)
                found = found or Question(1.0, ["restated"])  # whatever the question's wording
            if found:
                questions[i] = found
    return day


def link_day(messages: list[Msg], rules: QARules, weights: dict[str, float] | None = None,
             aliases: dict[str, str] | None = None) -> list[Pair]:
    """The Q&A pairs of one day of one group (messages in order).

    ``weights`` maps a character bigram to its rarity (IDF over the chat); without it every
    shared bigram counts the same.
    """
    n = len(messages)
    w, pen = rules.weights, rules.penalties
    aliases = aliases or {}
    found_questions = find_questions(messages, rules)
    questions, talk = found_questions.questions, found_questions.talk
    restated, repeated = found_questions.restated, found_questions.repeated
    if not questions and not talk:
        return []
    quoted = {i: find_quoted(messages, i) for i, m in enumerate(messages) if m.kind == "quote" and m.quoted_text}
    # the replies that can link from beyond the window (a quote of a message of the day, or @names)
    explicit = [j for j, m in enumerate(messages) if quoted.get(j) is not None or m.mentions]
    grams = [m.grams for m in messages]
    non_answer = [m.kind not in ("text", "quote", "link") or _non_answer(m.body, rules) for m in messages]
    # a bare yes or no (是的, 不行) is chatter, but an answer when it quotes the question or @s its asker
    confirms = [bool(rules.confirmation) and non_answer[i] and m.kind in ("text", "quote") and bool(m.mentions or m.kind == "quote")
                and bool(rules.confirmation.search(m.body)) for i, m in enumerate(messages)]
    for i in repeated:
        non_answer[i] = True
        confirms[i] = False

    # A turn: consecutive question messages by one speaker (only their own messages between); they share answers.
    turn_of: dict[int, int] = {}
    for i in sorted(questions):
        turn_of[i] = i
        for j in range(i - 1, max(-1, i - 4), -1):
            if messages[j].speaker != messages[i].speaker:
                break
            if j in questions:
                turn_of[i] = turn_of[j]
                break

    asks: list[bool | None] = [None] * n  # whether each message asks something itself, computed when first needed
    speakers = {m.speaker for m in messages if m.speaker}
    addressee: dict[str, str | None] = {}

    def who(name: str) -> str | None:
        """Whom an @name stands for on this day: itself when someone of the day goes by it, else its
        learned group alias when that person speaks today, else None (nobody of the day)."""
        if name not in addressee:
            alias = aliases.get(name)
            addressee[name] = name if goes_by(name, speakers) else alias if goes_by(alias, speakers) else None
        return addressee[name]

    def names(mentions: list[str], person: str) -> bool:
        """Whether one of the @names stands for ``person``."""
        return any(same_person(who(name) or name, person) for name in mentions)

    # candidate[(q, j)] = (score, signals)
    candidates: dict[int, dict[int, tuple[float, dict[str, float]]]] = {}
    for qi, q in questions.items():
        qmsg = messages[qi]
        asker = qmsg.speaker
        qgrams = set(grams[qi])
        for k in range(qi + 1, min(n, qi + 4)):  # the asker's follow-up adds to the question's words
            if messages[k].speaker == asker and k not in questions:
                qgrams |= grams[k]
            elif messages[k].speaker != asker:
                break
        yes_no = not _WH_WORD.search(qmsg.body)  # a bare yes or no can answer it
        found: dict[int, tuple[float, dict[str, float]]] = {}
        rank = 0
        last_answer: dict[str, tuple[int, float]] = {}
        asked_between = False
        stop = min(n, qi + 1 + max(rules.window_messages, rules.explicit_window_messages))
        window_end = min(stop, qi + 1 + rules.window_messages)
        # beyond the window only explicit replies can link, unless the question @-names someone
        replies = range(qi + 1, stop) if qmsg.mentions else chain(
            range(qi + 1, window_end), explicit[bisect_left(explicit, window_end):bisect_left(explicit, stop)])
        for j in replies:
            a = messages[j]
            # Beyond the window only an explicit reply (a quote, or an @ with shared words) links.
            far = j - qi > rules.window_messages or a.seconds - qmsg.seconds > rules.window_minutes * 60
            if far and not (quoted.get(j) is not None or a.mentions or qmsg.mentions):
                continue
            if same_person(a.speaker, asker):
                continue
            target = quoted.get(j)
            if non_answer[j] and not (confirms[j] and yes_no and (target == qi or names(a.mentions, asker))):
                continue
            signals: dict[str, float] = {}
            if target is not None:
                if target == qi or (turn_of.get(target) == turn_of[qi]) or (
                        messages[target].speaker == asker and qi < target < j and target not in questions):
                    signals["quote"] = w["quote"]
                else:
                    signals["other_target"] = -pen["other_target"]
            if a.mentions:
                if names(a.mentions, asker):
                    signals["mention"] = w["mention"]
                elif "quote" not in signals and any(who(name) for name in a.mentions):
                    # aimed at someone else of the day; an @name nobody of the day goes by may well be
                    # the asker under their group alias (dio writes, replies go to @小吴_产品-承泰)
                    signals["other_target"] = -pen["other_target"]
            if qmsg.mentions and names(qmsg.mentions, a.speaker):
                signals["addressed"] = w["addressed"]
                signals.pop("other_target", None)
            gap_min = (a.seconds - qmsg.seconds) / 60
            decay = 1.0 / (1.0 + 0.35 * rank) * (1.0 if gap_min <= 30 else max(0.3, 30 / gap_min))
            signals["proximity"] = round(w["proximity"] * decay, 3)
            ov = overlap(qmsg, a, qgrams, grams[j], weights)
            if ov:
                signals["overlap"] = round(w["overlap"] * ov, 3)
            # The asker's thanks right after confirms a reply already tied to the question somehow.
            if rank == 0 or {"quote", "mention", "addressed", "overlap"} & signals.keys():
                for k in range(j + 1, min(n, j + 4)):
                    if same_person(messages[k].speaker, asker):
                        if rules.thanks.search(messages[k].text) and k not in questions:
                            signals["thanks"] = w["thanks"]
                        break
            previous = last_answer.get(a.speaker)
            # the same answerer going on (others may interleave), unless someone asked a new question between
            if previous and j - previous[0] <= 3 and not any(
                    k in questions and turn_of[k] != turn_of[qi] for k in range(previous[0] + 1, j)):
                signals["continuation"] = round(w["continuation"] * previous[1], 3)
            if asks[j] is None:  # each message is read once, however many questions it could answer
                # a question mark or 吗, or cues that make it a question whatever it is about (请问…)
                asks[j] = j in found_questions.asks or _asks(a.body, rules)
            if (j in questions or asks[j]) and j not in restated and "quote" not in signals:
                signals["is_question"] = -pen["is_question"]
            if far:
                signals.pop("proximity", None)
                if "quote" not in signals and "overlap" not in signals and "continuation" not in signals:
                    continue
            score = max(0.0, min(1.0, sum(signals.values())))
            # Nearness alone makes only the first reply an answer; later ones need a tie to the question.
            # A reply that asks (a counter-question, someone else's new question) does not take the
            # first place and its nearness weight from the reply after it, which then needs a tie too.
            tied = bool(TIES & signals.keys()) or (rank == 0 and not asked_between)
            if "is_question" in signals:
                asked_between = True
            else:
                rank += 1
            if score >= rules.min_answer_score and tied:
                found[j] = (round(score, 3), signals)
                last_answer[a.speaker] = (j, score)
        if qi in restated:
            found[qi] = (1.0, {"restated": 1.0})  # the message answers itself
        candidates[qi] = found

    # Interleaved threads: an answer goes to the turn whose question links it best (near ties go to
    # the nearer question), and also to any other turn that links it within share_margin of that, or
    # whose question is about the same thing (share_topic): one reply often answers two questions.
    def effective(qi: int, j: int, score: float) -> float:
        return score - 0.01 * (j - qi)

    best: dict[int, tuple[float, int, int]] = {}  # answer -> (effective score, turn, question)
    for qi, found in candidates.items():
        for j, (score, _signals) in found.items():
            if j == qi:  # a restated message answers itself and is free to answer an earlier question too
                continue
            if j not in best or effective(qi, j, score) > best[j][0]:
                best[j] = (effective(qi, j, score), turn_of[qi], qi)
    margin, topic = rules.share_margin, rules.share_topic

    def same_topic(qi: int, qb: int) -> bool:
        """Two questions of one conversation about the same thing (their words overlap): one reply answers both."""
        return bool(topic) and overlap(messages[qi], messages[qb], grams[qi], grams[qb], weights) >= topic

    pairs = []
    for qi in sorted(candidates):
        answers = [(messages[j], score, signals) for j, (score, signals) in candidates[qi].items()
                   if j == qi or best[j][1] == turn_of[qi] or (margin and effective(qi, j, score) >= best[j][0] - margin)
                   or same_topic(qi, best[j][2])]
        if not answers:
            continue
        answers.sort(key=lambda item: (-item[1], item[0].seq))
        answers = answers[: rules.max_answers]
        answers.sort(key=lambda item: item[0].seq)
        qscore = questions[qi].score
        score = round(0.5 * qscore + 0.5 * max(s for _m, s, _sig in answers), 3)
        # A weak question needs an answer tied to it by more than nearness.
        supported = any(EXPLICIT & sig.keys() for _m, _s, sig in answers)
        if score >= rules.min_pair_score and (qscore >= rules.strong_question or supported):
            pairs.append(Pair(messages[qi], qscore, questions[qi].cues, answers, score))
    asked = questions.keys() | talk.keys()
    for qi, question in talk.items():
        answers = talk_answers(messages, qi, rules, non_answer, asked)
        score = round(0.5 * question.score + 0.5 * TALK_ANSWER, 3)
        if answers and score >= rules.min_pair_score:
            pairs.append(Pair(messages[qi], question.score, question.cues, answers, score))
    if talk:
        pairs.sort(key=lambda p: p.question.seq)
    if rules.model is not None:
        pairs = second_look(messages, pairs, rules.model)
    return pairs


def second_look(messages: list[Msg], pairs: list[Pair], model: PairModel) -> list[Pair]:
    """The pairs the pair model (kb.extract.qa_model) keeps, each scored by its probability of being
    a real question with a real answer; the linker's score moves to ``link_score``. A restated
    question that holds its own answer keeps the linker's score."""
    from kb.extract.qa_model import pair_features

    position = {id(m): i for i, m in enumerate(messages)}
    kept = []
    for pair in pairs:
        if any(answer is pair.question for answer, _s, _sig in pair.answers):
            kept.append(pair)  # a restated 问题：… 回答：… holds its own answer: nothing for the model to judge
            continue
        probability = model.probability(pair_features(messages, position[id(pair.question)], pair))
        if probability >= model.keep:
            kept.append(replace(pair, score=round(probability, 3), link_score=pair.score))
    return kept


# The score of a talk's own answer (fixed, like a restated one), and how far it may come.
TALK_ANSWER = 0.8
TALK_LOOKAHEAD = 8
TALK_GAP_SECONDS = 180
TALK_MAX_ANSWERS = 3


def talk_role(body: str, rules: QARules) -> str:
    """What a question asked in the middle of its speaker's talk is: "audience" when it is put to
    the others (an ordinary question), "own" when the speaker will answer it (a short what, how or
    why: 什么是私募基金？), else "aside" (a rhetorical turn of the talk, no question)."""
    if rules.audience is not None and rules.audience.search(body):
        return "audience"
    if rules.talk_question is not None and len(body) <= rules.talk_max_chars and rules.talk_question.search(body):
        return "own"
    return "aside"


def talk_answers(messages: list[Msg], qi: int, rules: QARules, non_answer: list[bool],
                 asked: Collection[int]) -> list[tuple[Msg, float, dict[str, float]]]:
    """The speaker's own next messages after a question they put in their talk: up to
    TALK_MAX_ANSWERS statements among the next TALK_LOOKAHEAD messages, each within
    TALK_GAP_SECONDS of the one before, until the speaker asks the next thing."""
    speaker, last, out = messages[qi].speaker, messages[qi].seconds, []
    for j in range(qi + 1, min(len(messages), qi + 1 + TALK_LOOKAHEAD)):
        a = messages[j]
        if a.speaker != speaker:
            continue
        if j in asked or a.seconds - last > TALK_GAP_SECONDS:
            break
        if non_answer[j] or _asks(a.body, rules):
            continue
        out.append((a, TALK_ANSWER, {"talk": TALK_ANSWER}))
        last = a.seconds
        if len(out) >= TALK_MAX_ANSWERS:
            break
    return out


def in_monologue(messages: list[Msg], index: int, rules: QARules, skip: set[int] | frozenset[int] = frozenset()) -> bool:
    """Whether the message comes in the middle of its speaker's own talk or write-up: of the
    ``monologue_lookback`` messages before it, ``monologue_messages`` or more are theirs, written
    in the ``MONOLOGUE_SECONDS`` before it and holding ``monologue_chars`` characters or more. A
    question there is put to the audience, and the speaker answers it themselves
    (接下去，我们说一下…如何进行会计分录记账). Messages at the indexes in ``skip`` (the speaker's
    own questions, the export's repeated copies) are no part of a talk."""
    if not rules.monologue_messages:
        return False
    m = messages[index]
    own = [messages[k] for k in range(max(0, index - rules.monologue_lookback), index)
           if k not in skip and messages[k].speaker == m.speaker
           and m.seconds - messages[k].seconds <= MONOLOGUE_SECONDS]
    return (len(own) >= rules.monologue_messages
            and sum(len(o.body) for o in own) >= rules.monologue_chars)


# A talk's messages follow each other: the speaker's messages of the last ten minutes count.
MONOLOGUE_SECONDS = 600


def describe(pair: Pair) -> dict[str, Any]:
    """The pair's signals as stored in qa_pairs.signals."""
    described = {"question_score": pair.question_score, "cues": pair.cues, "answers": len(pair.answers)}
    if pair.link_score is not None:
        described["link_score"] = pair.link_score
    return described
