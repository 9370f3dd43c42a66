"""The month's complaint themes: the descriptions cut into words (jieba for Chinese, plain words for English),
weighted by TF-IDF, and grouped by a simple clustering; each theme is named by its top words.

The clustering, in two passes, is deliberately plain so that a service committee can follow it:

1. each description starts in the group of its strongest word (highest TF-IDF among words that appear in at
   least ``MIN_DOCUMENTS`` descriptions);
2. then, ``ROUNDS`` times, each description moves to the group (holding some other description) whose
   centroid it is most similar to (cosine), so "APP 卡顿 转账" and "卡顿 APP 登录" end up together whichever
   word led.

Groups smaller than ``MIN_DOCUMENTS`` are dropped; the rest are the themes, largest first, named by the two or
three words that weigh most in their centroid ("app 卡顿", "理财 收益 不符").
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

import jieba


def _listed(text: str) -> list[str]:
    return text.split()


jieba.setLogLevel(logging.WARNING)  # it announces its dictionary loading otherwise
# Banking words jieba's general dictionary lacks; without them "年费" or "卡顿" fall apart into characters. Its
# guessing of unknown words (HMM) is off: it glues adverbs on ("很卡顿"), which splits a theme in two.
DOMAIN_WORDS = _listed("""
    卡顿 闪退 登录 年费 手续费 扣费 重复扣费 盗刷 冻结 解冻 挂失 理财 收益 不符 转账 到账 利息 利率 额度 提额
    征信 催收 网点 排队 态度 销售 误导 退款 分期 还款 逾期 短信 验证码
""")
for _word in DOMAIN_WORDS:
    jieba.add_word(_word, freq=20000)

MIN_DOCUMENTS = 2
ROUNDS = 3  # passes of moving descriptions to the group they are most like
NAME_WORDS = 3
_WORD = re.compile(r"[a-z]+|[\u4e00-\u9fff]+")
# Words that say nothing about the complaint: function words, and what every complaint to a bank says.
STOPWORDS = frozenset(
    _listed("""
    的 了 是 我 我的 你 你们 他 她 他们 我们 在 和 与 及 或 有 也 都 就 不 没 没有 被 把 给 还 又 再 很 太 请
    要 会 能 可以 已经 一直 一个 一次 什么 怎么 为什么 这个 那个 这 那 这样 后 前 时 时候 现在 今天 昨天 昨晚
    上 下 中 里 说 问 让 对 从 到 为 以 但 但是 而且 如果 因为 所以 之后 然后 还是 并 并且 却 吗 呢 吧 啊 呀
    银行 贵行 本人 客户 投诉 问题 情况 希望 要求 处理 谢谢 元 块 笔 次 个 天 月 年
    the a an and or of to in on at for with is are was were be been my me i we you it this that have has
    had not no but so as by from your our please bank customer complaint
    """)
)


@dataclass
class Theme:
    name: str
    words: list[str]
    cases: int
    case_ids: list[int]


def words_of(text: str) -> list[str]:
    """The description's meaningful words, lower-cased, in order."""
    found = []
    for token in jieba.lcut((text or "").lower(), HMM=False):
        token = token.strip()
        if len(token) < 2 or token in STOPWORDS or not _WORD.fullmatch(token):
            continue
        found.append(token)
    return found


def themes(descriptions: list[tuple[int, str]], limit: int = 10) -> list[Theme]:
    """The top ``limit`` themes of ``(case id, description)`` pairs."""
    documents = [(case_id, Counter(words_of(text))) for case_id, text in descriptions]
    documents = [(case_id, counts) for case_id, counts in documents if counts]
    if not documents:
        return []
    frequency = Counter(word for _, counts in documents for word in counts)
    total = len(documents)
    idf = {
        word: math.log((1 + total) / (1 + seen)) + 1.0
        for word, seen in frequency.items()
        if seen >= MIN_DOCUMENTS
    }
    vectors = []
    for case_id, counts in documents:
        vector = {w: c * idf[w] for w, c in counts.items() if w in idf}
        norm = math.sqrt(sum(v * v for v in vector.values()))
        if norm:
            vectors.append((case_id, {w: v / norm for w, v in vector.items()}))
    if not vectors:
        return []

    def strongest(vector: dict[str, float]) -> list[str]:
        return sorted(vector, key=lambda w: (-vector[w], w))[:1]

    group_of = [strongest(vector)[0] for _, vector in vectors]
    for _round in range(ROUNDS):
        members: dict[str, list[int]] = defaultdict(list)
        for index, word in enumerate(group_of):
            members[word].append(index)
        centroids = {word: _centroid([vectors[i][1] for i in group]) for word, group in members.items()}
        groups_with: dict[str, set[str]] = defaultdict(set)  # word -> the groups whose centroid has it
        for leader, centroid in centroids.items():
            for word in centroid:
                groups_with[word].add(leader)
        for index, (_, vector) in enumerate(vectors):
            # Any group sharing a word with the description may take it, if someone else is in it.
            shared = set().union(*(groups_with[w] for w in vector))
            options = [g for g in shared if members[g] != [index]] or [group_of[index]]
            group_of[index] = max(options, key=lambda w: (_cosine(vector, centroids[w]), len(members[w]), w))
    regrouped: dict[str, list[int]] = defaultdict(list)
    for index, word in enumerate(group_of):
        regrouped[word].append(index)
    found = []
    for members in regrouped.values():
        if len(members) < MIN_DOCUMENTS:
            continue
        centroid = _centroid([vectors[i][1] for i in members])
        top = sorted(centroid, key=lambda w: (-centroid[w], w))[:NAME_WORDS]
        ids = sorted(vectors[i][0] for i in members)
        found.append(Theme(" ".join(top), top, len(members), ids))
    found.sort(key=lambda t: (-t.cases, t.name))
    return found[:limit]


def _centroid(vectors: list[dict[str, float]]) -> dict[str, float]:
    total: dict[str, float] = defaultdict(float)
    for vector in vectors:
        for word, value in vector.items():
            total[word] += value
    return {word: value / len(vectors) for word, value in total.items()}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    dot = sum(v * b.get(w, 0.0) for w, v in a.items())
    norm = math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0
