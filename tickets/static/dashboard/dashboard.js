/* The support dashboard: reads the analytics API with the session cookie and draws the charts.
   Sets window.dashboardReady once every chart is drawn (the browser test waits for it) and
   window.dashboardError when a request fails. */
(function () {
  "use strict";

  const endpoints = JSON.parse(document.getElementById("dashboard-endpoints").textContent);
  const select = document.getElementById("days");
  const status = document.getElementById("status");
  const charts = {};
  const palette = [
    "#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed",
    "#0891b2", "#db2777", "#65a30d", "#475569", "#ea580c",
  ];
  const ageColours = ["#bbf7d0", "#86efac", "#fde047", "#fb923c", "#dc2626"];

  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = "system-ui, sans-serif";

  const colour = (i) => palette[i % palette.length];
  const hours = (seconds) => (seconds === null ? null : Math.round(seconds / 36) / 100);

  function duration(seconds) {
    if (seconds === null) return "–";
    if (seconds < 3600) return Math.round(seconds / 60) + " min";
    if (seconds < 172800) return (seconds / 3600).toFixed(1) + " h";
    return (seconds / 86400).toFixed(1) + " d";
  }

  async function getJSON(path, params) {
    const url = path + "?" + new URLSearchParams(params).toString();
    const response = await fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (!response.ok) throw new Error(path + " answered " + response.status);
    return response.json();
  }

  function draw(id, config) {
    if (charts[id]) charts[id].destroy();
    charts[id] = new Chart(document.getElementById(id), config);
  }

  function drawTrends(trends) {
    const series = trends.series;
    draw("chart-trends", {
      type: "bar",
      data: {
        labels: series.buckets,
        datasets: series.categories.map((c, i) => ({
          label: c.label, data: c.counts, backgroundColor: colour(i),
        })),
      },
      options: {
        scales: {
          x: { stacked: true },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
        },
      },
    });
  }

  function drawResolution(mttr) {
    const groups = mttr.groups;
    draw("chart-mttr", {
      type: "bar",
      data: {
        labels: groups.map((g) => g.label),
        datasets: [
          { label: "median", data: groups.map((g) => hours(g.median_seconds)), backgroundColor: colour(0) },
          { label: "90th percentile", data: groups.map((g) => hours(g.p90_seconds)), backgroundColor: "#93c5fd" },
        ],
      },
      options: { scales: { y: { beginAtZero: true, title: { display: true, text: "hours" } } } },
    });
  }

  function drawFirstResponse(firstResponse) {
    const groups = firstResponse.groups;
    draw("chart-first-response", {
      type: "bar",
      data: {
        labels: groups.map((g) => [g.label, g.awaiting + " awaiting"]),
        datasets: [
          { label: "median", data: groups.map((g) => hours(g.median_seconds)), backgroundColor: colour(4) },
          { label: "90th percentile", data: groups.map((g) => hours(g.p90_seconds)), backgroundColor: "#c4b5fd" },
        ],
      },
      options: { scales: { y: { beginAtZero: true, title: { display: true, text: "hours" } } } },
    });
  }

  function drawBacklog(backlog) {
    const departments = backlog.by_department;
    // Open tickets stacked by age; PENDING ones (waiting on the requester) in a bar of their own.
    const ages = backlog.by_age.map((age, i) => ({
      label: age.label, data: departments.map((d) => d.by_age[age.key]),
      backgroundColor: ageColours[i], stack: "open",
    }));
    const pending = {
      label: "pending", data: departments.map((d) => d.pending),
      backgroundColor: "#94a3b8", stack: "pending",
    };
    draw("chart-backlog", {
      type: "bar",
      data: {
        labels: departments.map((d) => d.label),
        datasets: [...ages, pending],
      },
      options: {
        scales: {
          x: { stacked: true },
          y: { stacked: true, beginAtZero: true, grace: "5%", ticks: { precision: 0 } },
        },
      },
    });
  }

  function drawAgents(agents) {
    const rows = agents.agents;
    draw("chart-agents", {
      type: "bar",
      data: {
        labels: rows.map((a) => [
          a.username + (a.is_available ? "" : " (away)"),
          a.capacity === null ? "no capacity limit" : "capacity " + a.capacity,
        ]),
        datasets: [
          { label: "open tickets", data: rows.map((a) => a.open_load), backgroundColor: colour(0) },
          { label: "capacity", data: rows.map((a) => a.capacity), backgroundColor: "#cbd5e1" },
          { label: "resolved in window", data: rows.map((a) => a.resolved), backgroundColor: colour(2) },
        ],
      },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
  }

  const percent = (rate) => (rate === null ? null : Math.round(rate * 1000) / 10);

  function drawTriage(triage) {
    const rows = triage.categories;
    const total = triage.total;
    draw("chart-triage", {
      type: "bar",
      data: {
        labels: rows.map((c) => c.label),
        datasets: [
          { label: "by the model", data: rows.map((c) => c.model), backgroundColor: colour(0), stack: "decided" },
          { label: "by keywords", data: rows.map((c) => c.keywords), backgroundColor: colour(3), stack: "decided" },
          { label: "by nobody", data: rows.map((c) => c.none), backgroundColor: "#cbd5e1", stack: "decided" },
          {
            label: "corrected (%)", type: "line", yAxisID: "rate",
            data: rows.map((c) => percent(c.correction_rate)), borderColor: colour(1), backgroundColor: colour(1),
          },
          {
            label: "reassigned (%)", type: "line", yAxisID: "rate",
            data: rows.map((c) => percent(c.reassignment_rate)), borderColor: colour(4), backgroundColor: colour(4),
          },
        ],
      },
      options: {
        scales: {
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "tickets" } },
          rate: { position: "right", beginAtZero: true, max: 100, grid: { drawOnChartArea: false }, title: { display: true, text: "%" } },
        },
      },
    });
    const rate = (value) => (value === null ? "–" : percent(value) + "%");
    const model = triage.active_model === null ? "no active model" : "model " + triage.active_model;
    document.getElementById("triage-summary").textContent =
      total.tickets + " decisions: " + total.model + " by the model, " + total.keywords +
      " by keywords, " + total.none + " by nobody; corrected " + rate(total.correction_rate) +
      " (misrouted " + rate(total.misroute_rate) + "), reassigned " + rate(total.reassignment_rate) +
      ". Threshold in force " + (triage.threshold === null ? "none" : triage.threshold) + " (" + model + ", from the " +
      triage.threshold_source + ").";
  }

  function drawSla(sla) {
    const groups = sla.by_priority;
    const percent = (figures) => (figures.share === null ? null : Math.round(figures.share * 1000) / 10);
    draw("chart-sla", {
      type: "bar",
      data: {
        labels: groups.map((g) => g.label),
        datasets: [
          { label: "first response", data: groups.map((g) => percent(g.first_response)), backgroundColor: colour(0) },
          { label: "resolution", data: groups.map((g) => percent(g.resolution)), backgroundColor: colour(2) },
        ],
      },
      options: { scales: { y: { beginAtZero: true, max: 100, title: { display: true, text: "% met" } } } },
    });
  }

  function fillAtRisk(atRisk) {
    // Built with text nodes only: titles are user input.
    document.getElementById("sla-at-risk-summary").textContent =
      "(" + atRisk.at_risk + " at risk, " + atRisk.breached + " breached)";
    const body = document.querySelector("#sla-at-risk tbody");
    body.replaceChildren();
    for (const ticket of atRisk.tickets) {
      const row = body.insertRow();
      const due = ticket.resolution_due ? new Date(ticket.resolution_due).toLocaleString() : "–";
      for (const text of [ticket.id, ticket.title, ticket.priority, ticket.assigned_to || "–", due]) {
        row.insertCell().textContent = String(text);
      }
    }
  }

  async function load(days) {
    window.dashboardReady = false;
    status.textContent = "Loading…";
    const interval = days > 90 ? "week" : "day";
    const [trends, mttr, firstResponse, backlog, agents, triage, sla, atRisk] = await Promise.all([
      getJSON(endpoints.trends, { days, interval }),
      getJSON(endpoints.mttr, { days, by: "category" }),
      getJSON(endpoints.first_response, { days, by: "priority" }),
      getJSON(endpoints.backlog, {}),
      getJSON(endpoints.agents, { days }),
      getJSON(endpoints.triage, { days }),
      getJSON(endpoints.sla, { days }),
      getJSON(endpoints.sla_at_risk, {}),
    ]);
    drawTrends(trends);
    drawResolution(mttr);
    drawFirstResponse(firstResponse);
    drawBacklog(backlog);
    drawAgents(agents);
    drawTriage(triage);
    drawSla(sla);
    fillAtRisk(atRisk);
    document.getElementById("tile-created").textContent = trends.total;
    document.getElementById("tile-median").textContent = duration(mttr.median_seconds);
    document.getElementById("tile-first-response").textContent = duration(firstResponse.median_seconds);
    document.getElementById("tile-awaiting").textContent = firstResponse.awaiting;
    document.getElementById("tile-backlog").textContent = backlog.total;
    document.getElementById("tile-unassigned").textContent = backlog.unassigned;
    document.getElementById("tile-pending").textContent = backlog.pending;
    status.textContent = "Last " + days + " days, until " + new Date(trends.until).toLocaleString() + ".";
    window.dashboardReady = true;
  }

  function refresh() {
    load(Number(select.value)).catch((error) => {
      window.dashboardError = String(error);
      status.textContent = "Could not load the figures: " + error.message;
      status.classList.add("error");
    });
  }

  select.addEventListener("change", refresh);
  // Handled here, not by an inline onsubmit: the Content-Security-Policy runs no inline script.
  select.form.addEventListener("submit", (event) => event.preventDefault());
  refresh();
})();
