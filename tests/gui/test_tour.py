"""Help → Quick tour: a dialog of three pages, Back/Next bounded at both ends."""

from visualizer.gui.tour import TOUR_PAGES, QuickTour


def test_quick_tour_pages(qtbot):
    tour = QuickTour()
    qtbot.addWidget(tour)
    assert not tour.back.isEnabled()
    for _ in range(len(TOUR_PAGES) + 2):
        tour.next.click()
    assert tour.page == len(TOUR_PAGES) - 1 and not tour.next.isEnabled()
    assert "transpos" in tour.body.text()
    tour.back.click()
    assert tour.page == len(TOUR_PAGES) - 2 and tour.next.isEnabled()
