"""What a person would notice on a page, measured in the browser: layout defects, small targets, pictures.

`layout_defects(page)` lists, in words, everything a citizen would see as broken on the page as rendered:
the page scrolling sideways, something sticking out of the screen, text cut off inside its box, a heading
half outside its card, tap targets smaller than 44×44 px (WCAG 2.5.5; Apple and Android ask 44–48) or
overlapping each other (a bar that sticks to the screen's edge, which the page scrolls under, is left out of
that one). An empty list is a clean page. `screenshot` writes the page as it stands to
docs/screenshots/web/ for the README.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

__all__ = ["MIN_TARGET_PX", "SCREENSHOTS", "layout_defects", "tap_targets", "screenshot"]

MIN_TARGET_PX = 44
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "web"

# Runs in the page. A radio button or checkbox is tapped through its label, so the label is the target.
_MEASURE = """
(minTarget) => {
  const defects = [];
  const root = document.documentElement;
  const width = root.clientWidth;
  const shown = el => {
    const box = el.getBoundingClientRect(), style = getComputedStyle(el);
    return box.width > 1 && box.height > 1 && style.visibility !== 'hidden' && style.opacity !== '0';
  };
  const describe = el => {
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().replace(/\\s+/g, ' ');
    return `<${el.tagName.toLowerCase()}${el.name ? ' name=' + el.name : ''}> "${text.slice(0, 24)}"`;
  };
  const px = n => Math.round(n);
  if (root.scrollWidth > width + 1) defects.push(`the page scrolls sideways: ${root.scrollWidth} px wide in ${width}`);
  for (const el of document.body.querySelectorAll('*')) {
    if (!shown(el) || el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 || box.left < -1) {
      defects.push(`${describe(el)} sticks out of the screen (${px(box.left)}..${px(box.right)} of ${width})`);
    }
    const style = getComputedStyle(el);
    const field = ['textarea', 'input'].includes(el.tagName.toLowerCase());
    if (style.overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1 && !field) {
      defects.push(`${describe(el)} cuts its text off (${el.scrollWidth} px in ${el.clientWidth})`);
    }
  }
  for (const heading of document.querySelectorAll('legend, h2, h3')) {
    const card = heading.parentElement.closest('fieldset, section, .card');
    if (!card || !shown(heading)) continue;
    const inner = heading.getBoundingClientRect(), outer = card.getBoundingClientRect();
    const outside = inner.top < outer.top - 0.5 || inner.bottom > outer.bottom + 0.5
      || inner.left < outer.left - 0.5 || inner.right > outer.right + 0.5;
    if (outside) {
      defects.push(`heading ${describe(heading)} is not inside its card (${px(inner.top)} vs ${px(outer.top)})`);
    }
  }
  const targets = [];
  const seen = new Set();
  for (const el of document.querySelectorAll('a[href], button, input, select, textarea, summary')) {
    if (el.type === 'hidden') continue;
    const target = ['radio', 'checkbox'].includes(el.type) && el.closest('label') || el;
    if (seen.has(target) || !shown(target)) continue;
    seen.add(target);
    const box = target.getBoundingClientRect();
    let pinned = false;
    for (let up = target; up && !pinned; up = up.parentElement) {
      pinned = ['sticky', 'fixed'].includes(getComputedStyle(up).position);
    }
    targets.push({name: describe(target), left: box.left, top: box.top, right: box.right, bottom: box.bottom,
                  width: box.width, height: box.height, pinned});
  }
  for (const t of targets) {
    if (t.width < minTarget - 0.5 || t.height < minTarget - 0.5) {
      defects.push(`${t.name} is ${px(t.width)}×${px(t.height)} px, under ${minTarget}×${minTarget}`);
    }
  }
  for (let i = 0; i < targets.length; i++) {
    for (let j = i + 1; j < targets.length; j++) {
      const a = targets[i], b = targets[j];
      if (a.pinned || b.pinned) continue;
      const overlap = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const overlapY = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (overlap > 1 && overlapY > 1) defects.push(`${a.name} and ${b.name} overlap`);
    }
  }
  return {defects, targets};
}
"""


def layout_defects(page: Page) -> list[str]:
    return page.evaluate(_MEASURE, MIN_TARGET_PX)["defects"]


def tap_targets(page: Page) -> list[dict]:
    """Every visible tap target with its box in CSS pixels: name, left, top, right, bottom, width, height."""
    return page.evaluate(_MEASURE, MIN_TARGET_PX)["targets"]


def screenshot(page: Page, name: str, *, full_page: bool = False) -> None:
    """The page as it stands, for the README: docs/screenshots/web/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page, animations="disabled",
                    caret="hide")
