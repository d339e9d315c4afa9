"""Hypothesis strategies: article-like paragraphs, and residue of the kinds the default packs remove."""
from hypothesis import strategies as st

WORDS = ["the", "minister", "said", "on", "Tuesday", "that", "talks", "would", "resume", "in", "Cairo",
         "after", "a", "week", "of", "strikes", "“significant”", "café", "Zürich", "1,200", "per", "cent",
         "officials", "warned", "aid", "crossing", "was", "closed", "and", "trucks", "waited", "at", "border",
         "more", "read", "comments", "credit", "photo", "latest", "live", "analysis", "7", "2024", "its", "it's"]
word = st.sampled_from(WORDS)
sentence = st.builds(
    lambda first, rest, end: " ".join([first.capitalize(), *rest]) + end,
    word, st.lists(word, min_size=3, max_size=18), st.sampled_from([".", ".", "?", "!", ".”"]),
)
paragraph = st.lists(sentence, min_size=1, max_size=4).map(" ".join)
article = st.lists(paragraph, min_size=1, max_size=8)

# A caption of 12 characters or more: caption-counter-caption leaves shorter repeats alone.
caption_text = st.lists(word, min_size=4, max_size=12).map(lambda ws: " ".join([ws[0].capitalize(), *ws[1:]])).filter(
    lambda c: len(c) >= 12)
agency = st.sampled_from(["AP", "Reuters", "AFP", "Getty Images", "EPA", "Alamy", "PA"])
caption_block = st.builds(
    lambda c, n, credit: f"{c}\n{n}\n{c}" + (f"Credit: {credit}" if credit else ""),
    caption_text, st.integers(1, 40), st.one_of(st.none(), agency),
)
topic = st.lists(st.sampled_from(["israel-hamas war", "climate", "the budget", "ukraine", "football"]),
                 min_size=1, max_size=1).map(lambda t: t[0])
section = st.sampled_from(["Middle East", "Ukraine war", "Politics", "Election"])
nav_line = st.one_of(
    topic.map(lambda t: f"read more on {t}"),
    section.map(lambda s: f"{s} latest: Follow live updates"),
    caption_text.map(lambda h: f"Analysis: {h}"),
)
residue = st.one_of(caption_block, nav_line)
