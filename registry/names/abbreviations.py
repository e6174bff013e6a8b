"""Abbreviations written in company names, and the words they stand for.

Both ways: "Imp & Exp", "Import and Export" and "Imp. & Exp." fold to one form, and so do
"Intl"/"International", "Tech"/"Technology", "Sci"/"Science", "Corp"/"Corporation",
"Co"/"Company", "Grp"/"Group", "Ind"/"Industry", "Elec"/"Electronics", "Eng"/
"Engineering", "Inst"/"Institute", "Univ"/"University", "Acad"/"Academy". A name and a
query are both folded to the long form, so either may be abbreviated.
"""

from __future__ import annotations

# Abbreviation (folded, no dots) -> the word it stands for.
EXPANSIONS = {
    "univ": "university",
    "uni": "university",
    "tech": "technology",
    "technol": "technology",
    "inst": "institute",
    "acad": "academy",
    "sci": "science",
    "natl": "national",
    "nat": "national",
    "intl": "international",
    "corp": "corporation",
    "co": "company",
    "grp": "group",
    "ind": "industry",
    "elec": "electronics",
    "dept": "department",
    "res": "research",
    "eng": "engineering",
    "imp": "import",
    "exp": "export",
    "mfg": "manufacturing",
    "equip": "equipment",
    "hldgs": "holdings",
}
# British spellings and adjective forms, mapped to one form.
SPELLINGS = {
    "defence": "defense",
    "centre": "center",
    "aeronautical": "aeronautics",
    "astronautical": "astronautics",
    "organisation": "organization",
    "programme": "program",
}
VARIANTS = EXPANSIONS | SPELLINGS


def singular(word: str) -> str:
    """``word`` without an English plural ending: "electronics" is "electronic",
    "technologies" "technology", "industries" "industry"; short words are left alone."""
    if len(word) <= 4 or word.endswith("ss"):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") else word


# An academy's name as lists write it either way: "China" or "Chinese" before "Academy",
# "Science" or "Sciences" after it ("China Academy of Science-Shenyang Institute of
# Automation" on the Entity List, "Chinese Academy of Sciences – Shenyang Institute of
# Automation" on the 1286 list).
BEFORE_ACADEMY = {"chinese": "china"}
AFTER_ACADEMY = {"science": "sciences"}


def academy_spelling(words: list[str]) -> list[str]:
    """Folded words of a name (without "of") with any academy in it written one way."""
    out = list(words)
    for i, word in enumerate(out):
        if word == "academy":
            if i > 0:
                out[i - 1] = BEFORE_ACADEMY.get(out[i - 1], out[i - 1])
            if i + 1 < len(out):
                out[i + 1] = AFTER_ACADEMY.get(out[i + 1], out[i + 1])
    return out
