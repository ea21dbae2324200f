/* Scope picker of the convention editor: a live count of the cameras covered, a camera search without reloading
   the page, and a filter for long group lists. Everything also works without this file (Preview and Search are
   ordinary submit buttons); all texts come from the page, already translated. */
(function () {
  "use strict";

  var picker = document.querySelector(".scope-picker");
  if (!picker) {
    return;
  }
  var form = picker.closest("form");
  var countUrl = picker.getAttribute("data-count-url");
  var searchUrl = picker.getAttribute("data-search-url");
  var liveCount = document.getElementById("scope-live-count");
  var results = document.getElementById("camera-results");
  var searchBox = document.getElementById("camera-search");
  var searchButton = picker.querySelector("[data-camera-search]");
  var timer = null;
  var sequence = 0;

  function text(name) {
    return picker.getAttribute("data-text-" + name) || "";
  }

  function selection() {
    var params = new URLSearchParams();
    ["groups", "municipalities", "kinds", "cameras"].forEach(function (name) {
      form.querySelectorAll('input[type="checkbox"][name="' + name + '"]:checked').forEach(function (box) {
        params.append(name, box.value);
      });
    });
    return params;
  }

  function updateCount() {
    if (!countUrl || !liveCount) {
      return;
    }
    var mine = ++sequence;
    fetch(countUrl + "?" + selection().toString(), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (data) {
        if (mine === sequence) {
          liveCount.textContent = text("unsaved") + " " + (data.label || String(data.count));
        }
      })
      .catch(function () {
        if (mine === sequence) {
          liveCount.textContent = text("error");
        }
      });
  }

  function scheduleCount() {
    window.clearTimeout(timer);
    timer = window.setTimeout(updateCount, 250);
  }

  picker.addEventListener("change", function (event) {
    if (event.target.matches('input[type="checkbox"]')) {
      scheduleCount();
    }
  });

  function cameraItem(camera) {
    var item = document.createElement("li");
    var box = document.createElement("input");
    var label = document.createElement("label");
    box.type = "checkbox";
    box.name = "cameras";
    box.value = String(camera.id);
    box.id = "scope-camera-" + camera.id;
    label.htmlFor = box.id;
    label.textContent = camera.name + (camera.municipality ? " · " + camera.municipality : "");
    item.appendChild(box);
    item.appendChild(document.createTextNode(" "));
    item.appendChild(label);
    return item;
  }

  function keepTicked() {
    /* Ticked search results move to the chosen list, so that a new search does not drop them. */
    var chosen = document.getElementById("chosen-cameras");
    results.querySelectorAll('input[name="cameras"]:checked').forEach(function (box) {
      chosen.appendChild(box.closest("li"));
    });
  }

  function showResults(data) {
    keepTicked();
    results.textContent = "";
    var list = document.createElement("ul");
    list.className = "checklist";
    data.results.forEach(function (camera) {
      if (!document.getElementById("scope-camera-" + camera.id)) {
        list.appendChild(cameraItem(camera));
      }
    });
    if (list.children.length) {
      results.appendChild(list);
    } else {
      var none = document.createElement("p");
      none.className = "empty";
      none.textContent = text("none");
      results.appendChild(none);
    }
    if (data.truncated) {
      var more = document.createElement("p");
      more.className = "help";
      more.textContent = text("truncated");
      results.appendChild(more);
    }
  }

  function search(event) {
    if (!searchUrl || !searchBox) {
      return;
    }
    event.preventDefault();
    var query = searchBox.value.trim();
    if (query.length < 2) {
      searchBox.focus();
      return;
    }
    fetch(searchUrl + "?" + new URLSearchParams({ q: query }).toString(), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(showResults)
      .catch(function () {
        /* Fall back to the server-rendered search (requestSubmit fires no click, so no loop). */
        form.requestSubmit(searchButton);
      });
  }

  if (searchButton && searchBox) {
    searchButton.addEventListener("click", search);
    searchBox.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        search(event);
      }
    });
  }

  picker.querySelectorAll("[data-filter-list]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("data-filter-list"));
    var box = input.closest(".filter-box");
    if (!list || list.children.length < 8) {
      return;
    }
    box.hidden = false;
    input.addEventListener("input", function () {
      var words = input.value.trim().toLowerCase();
      list.querySelectorAll("li[data-label]").forEach(function (item) {
        item.hidden = words !== "" && item.getAttribute("data-label").indexOf(words) === -1;
      });
    });
  });
})();
