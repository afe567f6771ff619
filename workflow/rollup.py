"""How a task follows its responsibility items, and a problem its tasks."""


def rollup_state(total: int, issued: int, done: int, closed: int) -> str:
    """The parent's state from counts of its children.

    `done` counts children that are fixed or closed. A parent is closed only when every child is
    closed (销号), fixed when every child is at least fixed, issued while nothing is under way.
    """
    if total == 0 or issued == total:
        return "issued"
    if closed == total:
        return "closed"
    if done == total:
        return "fixed"
    return "assigned"
