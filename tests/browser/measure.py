"""Measuring a page as a phone shows it: tap targets, sideways scrolling, checkboxes and their labels.

Each function is one `page.evaluate` and gives back a list of problems, one readable line each
(empty when the page is fine), so a test can say `assert not too_small_controls(page), ...` on
any page, and the crawler can run all of them on every page it visits.

The rules:

- **Tap targets** (`too_small_controls`): every visible link, button, field, select, summary and
  focusable widget is at least 44 × 44 CSS px (WCAG 2.5.5, "Target Size (Enhanced)"). A checkbox
  or radio is measured as the label around it, because tapping the label is tapping the
  control; one that has no label around it is measured alone. Exempt, as WCAG allows:
  a link *inside running text* (WCAG's "inline" exception): a link shown `display: inline` in a
  block whose own text goes on around it, such as "read the <a>privacy notice</a> first".
  A link alone in its paragraph, a button or a link styled as a block is not exempt. Also
  exempt: what is not shown (display none, hidden, inside a closed <details>, zero-sized,
  `visually-hidden`, or moved off the screen to the left like the skip link until it is focused).
- **Sideways scrolling** (`horizontal_overflow`): the document is no wider than the window, and
  no element sticks out past the right edge unless a box that scrolls or clips holds it (a
  table in its own scroll box is fine; a table that pushes the page wider is not).
- **Scroll boxes** (`unreachable_scroll_boxes`): a box that scrolls sideways (a wide table) is a
  named `role="region"` with `tabindex="0"`, so a keyboard can scroll it and a screen reader
  says what it is.
- **Checkboxes and radios with their labels** (`checkbox_label_apart`): each has a <label> whose
  box contains the control (so the tap area includes it), and the first line of the label's
  text starts beside the control, on the same line (the two overlap by at least a quarter of
  the smaller height: a box centred on two lines of text passes, on three does not), within
  24 px of it: not above it, not below it, not across the screen.
"""

from __future__ import annotations

MIN_TARGET = 44

_DESCRIBE = """
const describe = (el) => {
  const tag = el.tagName.toLowerCase();
  const type = el.type && tag === "input" ? `[type=${el.type}]` : "";
  const id = el.id ? `#${el.id}` : "";
  const cls = typeof el.className === "string" && el.className.trim()
    ? "." + el.className.trim().split(/\\s+/).slice(0, 2).join(".") : "";
  const label = el.labels && el.labels.length ? el.labels[0].innerText : "";
  const text = (el.getAttribute("aria-label") || label || el.innerText || el.value || el.name || "")
    .replace(/\\s+/g, " ").trim().slice(0, 40);
  const where = el.closest("[id]:not(body)");
  const inside = where && where !== el ? ` in #${where.id}` : "";
  return `${tag}${type}${id}${cls} "${text}"${inside}`;
};
const shown = (el) => {
  if (!el.getClientRects().length) return false;  // display none, or inside a closed <details>
  const style = getComputedStyle(el);
  if (style.visibility === "hidden" || style.visibility === "collapse") return false;
  if (el.closest(".visually-hidden, [hidden], [inert]")) return false;
  const box = el.getBoundingClientRect();
  return box.width > 0 && box.height > 0 && box.right > 0;  // right <= 0: parked off screen (skip link)
};
"""

_TOO_SMALL = (
    """
(min) => {
"""
    + _DESCRIBE
    + """
  const selector = "a[href], button, input:not([type=hidden]), select, textarea, summary, "
    + "[role=button], [role=link], [role=checkbox], [role=radio], [role=tab], [tabindex='0']";
  const blocky = (display) => !display.startsWith("inline") || display === "inline-block"
    || display === "inline-flex" || display === "inline-grid";
  const inRunningText = (el) => {
    // WCAG 2.5.8's inline exception: a link in a sentence, its height set by the line of text.
    if (el.tagName !== "A" || getComputedStyle(el).display !== "inline") return false;
    let block = el.parentElement;
    while (block && !blocky(getComputedStyle(block).display)) block = block.parentElement;
    if (!block) return false;
    const own = el.textContent.replace(/\\s+/g, "");
    const all = block.textContent.replace(/\\s+/g, "");
    return all.length > own.length;
  };
  const problems = [];
  const seen = new Set();
  for (const el of document.querySelectorAll(selector)) {
    let target = el;
    if (el.matches("input[type=checkbox], input[type=radio]")) {
      target = el.closest("label") || el;
    }
    if (seen.has(target) || !shown(el) && !(target !== el && shown(target))) continue;
    seen.add(target);
    if (inRunningText(el)) continue;
    const box = target.getBoundingClientRect();
    if (box.width + 0.5 < min || box.height + 0.5 < min) {
      problems.push(`${describe(el)} is ${Math.round(box.width)}×${Math.round(box.height)} px`);
    }
  }
  return problems;
}
"""
)

_OVERFLOW = (
    """
() => {
"""
    + _DESCRIBE
    + """
  const width = document.documentElement.clientWidth;
  const problems = [];
  const scrollWidth = document.scrollingElement.scrollWidth;
  if (scrollWidth > width) problems.push(`the page is ${scrollWidth} px wide in a ${width} px window`);
  const holds = (el) => {
    // A box that scrolls or clips sideways keeps what sticks out of it inside itself.
    const x = getComputedStyle(el).overflowX;
    return x === "auto" || x === "scroll" || x === "hidden" || x === "clip";
  };
  const out = [];
  const spilling = [];
  const walk = (el) => {
    for (const child of el.children) {
      if (!shown(child)) continue;
      const box = child.getBoundingClientRect();
      if (box.right > width + 1) {
        out.push(child);
        continue;  // its children stick out with it: name the outermost one
      }
      if (holds(child)) continue;
      // A box that fits, but whose content (a long word, a wide image) spills out of it.
      if (child.scrollWidth > child.clientWidth + 1 && box.left + child.scrollWidth > width + 1) spilling.push(child);
      walk(child);
    }
  };
  walk(document.body);
  for (const el of out.slice(0, 10)) {
    const box = el.getBoundingClientRect();
    problems.push(`${describe(el)} reaches ${Math.round(box.right)} px (${Math.round(box.width)} px wide)`);
  }
  if (scrollWidth > width) {
    // Positioned boxes escape a scroll box that is not positioned itself (a visually-hidden text
    // in a table that scrolls), and widen the page while hidden: name them too.
    const escaped = [...document.body.querySelectorAll("*")].filter((el) => {
      const position = getComputedStyle(el).position;
      return (position === "absolute" || position === "fixed") && el.getBoundingClientRect().right > width + 1
        && !out.includes(el);
    });
    for (const el of escaped.slice(0, 5)) {
      problems.push(`${describe(el)} (positioned ${getComputedStyle(el).position}) reaches `
        + `${Math.round(el.getBoundingClientRect().right)} px`);
    }
  }
  const innermost = spilling.filter((el) => !spilling.some((other) => other !== el && el.contains(other)));
  for (const el of innermost.slice(0, 10)) {
    const box = el.getBoundingClientRect();
    problems.push(`the content of ${describe(el)} reaches ${Math.round(box.left + el.scrollWidth)} px`);
  }
  return problems;
}
"""
)

_APART = (
    """
() => {
"""
    + _DESCRIBE
    + """
  const problems = [];
  const firstLine = (label, control) => {
    // The box of the first line of the label's own text (not the control's, not a hint's).
    const walker = document.createTreeWalker(label, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim() || control.contains(node)) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      const rects = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
      if (rects.length) return rects[0];
    }
    return null;
  };
  for (const control of document.querySelectorAll("input[type=checkbox], input[type=radio]")) {
    const labels = [...(control.labels || [])];
    const around = control.closest("label");
    const visibleTarget = shown(control) ? control : around && shown(around) ? around : null;
    if (!visibleTarget) continue;
    const name = describe(control);
    if (!labels.length) {
      problems.push(`${name} has no <label>`);
      continue;
    }
    const c = control.getBoundingClientRect();
    const holder = labels.find((label) => {
      const l = label.getBoundingClientRect();
      return l.left <= c.left + 1 && l.right >= c.right - 1 && l.top <= c.top + 1 && l.bottom >= c.bottom - 1;
    });
    if (!holder) {
      problems.push(`${name}: its label's tap area does not include the control`);
      continue;
    }
    // Drawn by its label (a colour swatch, a big answer): the label is the control.
    if (getComputedStyle(control).opacity === "0") continue;
    const line = firstLine(holder, control);
    if (!line) continue;  // no visible text: named some other way (aria-label), nothing to sit beside
    const overlap = Math.min(c.bottom, line.bottom) - Math.max(c.top, line.top);
    if (overlap < Math.min(c.height, line.height) / 4) {
      problems.push(`${name}: the label's text starts on another line than the control`);
      continue;
    }
    const gap = line.left >= c.right ? line.left - c.right : c.left - line.right;
    if (gap > 24) problems.push(`${name}: the label's text is ${Math.round(gap)} px away from the control`);
  }
  return problems;
}
"""
)


_SCROLL_BOXES = (
    """
() => {
"""
    + _DESCRIBE
    + """
  const problems = [];
  const focusable = "a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex^='-'])";
  for (const el of document.body.querySelectorAll("*")) {
    const x = getComputedStyle(el).overflowX;
    if ((x !== "auto" && x !== "scroll") || el.scrollWidth <= el.clientWidth + 1 || !shown(el)) continue;
    // A row of links (tabs, chips) is reached link by link; a table or text is not.
    if (!el.querySelector("table") && el.querySelector(focusable)) continue;
    const named = el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
    if (el.tabIndex < 0 || el.getAttribute("role") !== "region" || !named) {
      problems.push(`${describe(el)} scrolls sideways but is not a named region with tabindex=0`);
    }
  }
  return problems;
}
"""
)


def too_small_controls(page, minimum: int = MIN_TARGET) -> list[str]:
    """Every visible control smaller than `minimum` × `minimum` CSS px, as "what is W×H px"."""
    return page.evaluate(_TOO_SMALL, minimum)


def horizontal_overflow(page) -> list[str]:
    """What makes the page scroll sideways or sticks out past the right edge (empty: nothing)."""
    return page.evaluate(_OVERFLOW)


def checkbox_label_apart(page) -> list[str]:
    """Checkboxes and radios without a label around them, or whose text is not beside them."""
    return page.evaluate(_APART)


def unreachable_scroll_boxes(page) -> list[str]:
    """Boxes that scroll sideways (a wide table) that a keyboard cannot scroll or a screen reader
    cannot name: each must be `role="region"`, named, with `tabindex="0"`. A row of links is
    exempt: each link scrolls into view when it gets the focus."""
    return page.evaluate(_SCROLL_BOXES)


def open_details(page) -> int:
    """Open every closed <details> (a folded table, a form behind a tap, the menu's "More"), so
    what is inside is measured too; how many were opened."""
    return page.evaluate(
        "() => { const closed = [...document.querySelectorAll('details:not([open])')];"
        " closed.forEach((d) => { d.open = true; }); return closed.length; }"
    )


def all_problems(page) -> dict[str, list[str]]:
    """The three measures together, keyed by what they measure, leaving out those that pass."""
    found = {
        "controls under 44 × 44 px": too_small_controls(page),
        "sideways overflow": horizontal_overflow(page),
        "checkbox or radio apart from its label": checkbox_label_apart(page),
        "scroll box out of reach": unreachable_scroll_boxes(page),
    }
    return {what: problems for what, problems in found.items() if problems}
