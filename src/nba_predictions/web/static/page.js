// nba-predictions: the page's only script, and an optional one. Everything works without it.
//
// A hidden game's "Reveal" link (spoiler level "my teams hidden") reloads the page with
// ?reveal=<game id>. With this script the same page is fetched and only that game's row is
// swapped in place, so the list does not jump and the focus stays on the game.
//
// Start times come from the server in US Eastern ("7:30 PM ET") unless the URL names a zone
// (?tz=Europe/Paris). Without ?tz= each <time data-local datetime="...Z"> is rewritten here in the
// browser's own zone, with the date too where the viewer's day is not the game's (US) day.
"use strict";

function localStartTimes(root) {
  const clock = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit", timeZoneName: "short" });
  const day = new Intl.DateTimeFormat(undefined, { weekday: "short", month: "short", day: "numeric" });
  const isoDay = new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit" });
  for (const time of root.querySelectorAll("time.start[data-local][datetime]")) {
    const moment = new Date(time.dateTime);
    if (Number.isNaN(moment.getTime())) {
      continue; // keep the server's text
    }
    const text = clock.format(moment);
    time.textContent = isoDay.format(moment) === time.dataset.day ? text : `${day.format(moment)}, ${text}`;
  }
}

localStartTimes(document);

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
  localStartTimes(shown);
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
