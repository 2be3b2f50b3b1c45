"""The day-one classifier: multilingual keyword and phrase rules per category."""

from collections.abc import Iterable, Mapping

from ml.text import fold
from ml.types import SOURCE_KEYWORDS, SOURCE_NONE, Prediction

# A keyword found in the title says more about the ticket than one buried in a
# long description.
TITLE_WEIGHT = 2.0


class KeywordClassifier:
    """Scores every category by the keywords found in a ticket.

    Matching is case- and accent-insensitive and on whole words or whole
    phrases: "facture" matches "Facture impayée" but not "facturation".
    A keyword of n words scores n (phrases are stronger evidence), doubled in
    the title. The confidence is the winner's share of all points scored.
    Ties go to the category listed first, so results are deterministic.
    """

    def __init__(self, rules: Mapping[str, Iterable[str]]):
        self._rules: list[tuple[str, list[str]]] = []
        for label, keywords in rules.items():
            folded = sorted({fold(k) for k in keywords if fold(k)})
            if folded:
                self._rules.append((label, folded))

    @property
    def labels(self) -> list[str]:
        return [label for label, _ in self._rules]

    def scores(self, title: str, description: str) -> dict[str, float]:
        """Points per category that matched at least one keyword."""
        return {label: points for label, (points, _) in self._matches(title, description).items()}

    def _matches(self, title: str, description: str) -> dict[str, tuple[float, list[str]]]:
        """Points and matched keywords per category that matched at least one."""
        padded_title = f" {fold(title or '')} "
        padded_body = f" {fold(description or '')} "
        result: dict[str, tuple[float, list[str]]] = {}
        for label, keywords in self._rules:
            points = 0.0
            matched = []
            for keyword in keywords:
                needle = f" {keyword} "
                weight = float(keyword.count(" ") + 1)
                found = False
                if needle in padded_title:
                    points += weight * TITLE_WEIGHT
                    found = True
                if needle in padded_body:
                    points += weight
                    found = True
                if found:
                    matched.append(keyword)
            if points:
                result[label] = (points, matched)
        return result

    def predict(self, title: str, description: str) -> Prediction:
        """The best-scoring category; its explanation lists the (folded) keywords matched."""
        matches = self._matches(title, description)
        scores = {label: points for label, (points, _) in matches.items()}
        if not scores:
            return Prediction(label=None, confidence=0.0, source=SOURCE_NONE)
        total = sum(scores.values())
        order = {label: i for i, label in enumerate(self.labels)}
        ranked = sorted(scores.items(), key=lambda item: (-item[1], order[item[0]]))
        top = [(label, round(points / total, 4)) for label, points in ranked[:3]]
        best_label, best_points = ranked[0]
        return Prediction(
            label=best_label,
            confidence=round(best_points / total, 4),
            source=SOURCE_KEYWORDS,
            top=top,
            explanation={"label": best_label, "keywords": matches[best_label][1]},
        )
