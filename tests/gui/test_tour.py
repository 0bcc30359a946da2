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


def test_the_tour_writes_the_derivatives_in_the_chosen_notation(qtbot):
    from visualizer import notation

    tour = QuickTour()
    qtbot.addWidget(tour)
    tour.show_page(1)
    assert "(f<sup>l</sup>)′ ⊙" in tour.body.text()
    notation.set_display("jacobian")
    tour.show_page(2)
    assert "(J<sub>f<sup>1</sup></sub>)<sup>T</sup>" in tour.body.text()
    assert "∇<sub>a<sup>L</sup></sub>C" in tour.body.text()
