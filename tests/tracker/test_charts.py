"""Server-rendered SVG bar charts: labelled for screen readers, figures written beside the
bars, patterns that tell series apart without colour, and text escaped."""

from bs4 import BeautifulSoup

from tracker.charts import Bar, Series, StackedRow, bar_chart, stacked_bar_chart


def svg_of(markup):
    return BeautifulSoup(str(markup), "html.parser").svg


def test_bar_chart_is_an_image_with_a_title_and_a_description():
    svg = svg_of(bar_chart("Deaths by sex", [Bar("Female", 6), Bar("Male", 3)]))
    assert svg["role"] == "img"
    title_id, desc_id = svg["aria-labelledby"].split()
    assert svg.find(id=title_id).get_text() == "Deaths by sex"
    assert svg.find(id=desc_id).get_text() == "Female: 6; Male: 3"


def test_bars_are_in_proportion_with_the_figure_beside_each():
    svg = svg_of(bar_chart("T", [Bar("A", 10), Bar("B", 5), Bar("C", 0)]))
    assert [float(rect["width"]) for rect in svg.select("rect")] == [470.0, 235.0]
    assert [t.get_text() for t in svg.select("text[font-weight=bold]")] == ["10", "5", "0"]
    assert [t.get_text() for t in svg.select("text:not([font-weight])")] == ["A", "B", "C"]


def test_a_suppressed_figure_has_its_text_and_no_bar():
    svg = svg_of(bar_chart("T", [Bar("A", 4), Bar("B", None, "fewer than 3")]))
    assert len(svg.select("rect")) == 1
    assert svg.select("text[font-weight=bold]")[1].get_text() == "fewer than 3"


def test_text_is_escaped():
    markup = str(bar_chart("<b>T</b>", [Bar("<script>alert(1)</script>", 1)]))
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    assert "<b>" not in markup


def test_stacked_segments_differ_by_pattern_and_have_a_legend():
    series = [Series("Met on time"), Series("Met late"), Series("Missed")]
    svg = svg_of(stacked_bar_chart("Outcomes", series, [StackedRow("Rule one", (6, 2, 2)),
                                                        StackedRow("Rule two", (5, 0, 0))]))
    patterns = svg.select("pattern")
    assert len(patterns) == 3
    # Each series' texture differs, not only its colour.
    textures = [str(p.find_all(["path", "circle"])) for p in patterns]
    assert len(set(textures)) == 3
    legend = [t.get_text() for t in svg.select("text")][:3]
    assert legend == ["Met on time", "Met late", "Missed"]
    bars = [rect for rect in svg.select("rect[height='24']")]
    assert [float(rect["width"]) for rect in bars] == [282.0, 94.0, 94.0, 235.0]
    assert [t.get_text() for t in svg.select("text[font-weight=bold]")] == ["10", "5"]
    assert "Rule one: Met on time 6, Met late 2, Missed 2" in svg.desc.get_text()
