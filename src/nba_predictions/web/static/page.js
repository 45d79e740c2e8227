// nba-predictions: the page's only script, and an optional one. Everything works without it.
//
// A hidden game's "Reveal" link (spoiler level "my teams hidden") reloads the page with
// ?reveal=<game id>. With this script the same page is fetched and only that game's row is
// swapped in place, so the list does not jump and the focus stays on the game.
"use strict";

async function revealInPlace(link) {
  const row = link.closest("li.game");
  const id = row.querySelector(".matchup").id;
  const response = await fetch(link.href, { credentials: "same-origin" });
  if (!response.ok) {
    throw new Error(`reveal: ${response.status}`);
  }
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  const fresh = page.getElementById(id)?.closest("li.game");
  if (!fresh || fresh.classList.contains("hidden")) {
    throw new Error("reveal: the game is not on the fetched page");
  }
  const shown = document.importNode(fresh, true);
  shown.tabIndex = -1;
  row.replaceWith(shown);
  shown.focus();
}

document.addEventListener("click", (event) => {
  const link = event.target instanceof Element ? event.target.closest("a.reveal") : null;
  if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) {
    return;
  }
  event.preventDefault();
  revealInPlace(link).catch(() => {
    window.location.assign(link.href); // the plain link does the same, with a reload
  });
});
