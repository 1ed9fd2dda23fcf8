"""A tiny made-up claim/text corpus shared by the claim-model tests (test_claims, test_claim_format)."""

#: Made-up claims and texts: two claims, each text agrees, disagrees, discusses or is about something else.
CLAIMS = ["Cat elected mayor of small town", "Cat elected mayor of small town", "Cat elected mayor of small town",
          "Moon base opened by space agency", "Moon base opened by space agency", "Moon base opened by space agency",
          "Cat elected mayor of small town", "Moon base opened by space agency"]
TEXTS = ["The town confirmed on Monday that the cat was elected mayor after a landslide vote.",
         "Officials denied that any cat was elected mayor; the story is a hoax spread online.",
         "A cat may have been elected mayor of a small town, according to unverified reports.",
         "The space agency confirmed it opened the moon base, with officials showing the new modules.",
         "The agency said no moon base was opened and called the claim fake and baseless.",
         "Reports claim a moon base might have opened, but the agency has not said whether it did.",
         "The football season starts next week with a match in the capital city stadium.",
         "Bakers in the region report record sales of bread and cakes during the holidays."]
LABELS = ["agree", "disagree", "discuss", "agree", "disagree", "discuss", "unrelated", "unrelated"]
