"""Words that say what kind of body a name belongs to, not which one."""

from __future__ import annotations

# Words that appear in thousands of names: they may confirm a match, never decide one.
GENERIC = frozenset(
    [
        "university",
        "college",
        "institute",
        "academy",
        "school",
        "technology",
        "technologies",
        "science",
        "sciences",
        "research",
        "group",
        "company",
        "corporation",
        "limited",
        "holding",
        "holdings",
        "industry",
        "industries",
        "industrial",
        "international",
        "national",
        "china",
        "chinese",
        "people",
        "peoples",
        "republic",
        "prc",
        "co",
        "ltd",
        "inc",
        "development",
        "engineering",
        "center",
        "laboratory",
        "lab",
        "key",
        "state",
        "electronic",
        "electronics",
        "information",
        "systems",
        "system",
        "equipment",
        "scitech",
    ]
)
# "Science and technology" read as one word (科技): see ``normalize.latin_tokens``.
SCIENCE_AND_TECHNOLOGY = "scitech"
SCIENCE, TECHNOLOGY = "science", "technology"
STOPWORDS = frozenset({"of", "the", "and", "for", "de", "in", "at", "on", "&"})
# Words a resolution key drops ("The", "of", "and").
FOLDED_WORDS = frozenset({"the", "of", "and"})
# Words that say a name is a university, an institute or a laboratory, not a company:
# such a name never merges with a company-form name on the name alone.
INSTITUTION_WORDS = frozenset(
    {
        "university",
        "college",
        "institute",
        "academy",
        "school",
        "laboratory",
        "lab",
        "center",
        "centre",
        "hospital",
    }
)
# Words of China as a nation ("People's Republic of China"): never what tells two bodies
# apart.
NATION_WORDS = frozenset({"china", "chinese", "prc", "people", "peoples", "republic"})
