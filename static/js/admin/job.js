// A background job's page (templates/admin/jobs/job.html): asks the job's state every
// two seconds and shows how many rows are done; once the job has finished, reloads
// the page to show what it found. Without JavaScript the page has a reload link.
(() => {
  const status = document.getElementById("job-status");
  if (!status) return;
  const state = document.querySelector("[data-job-state]");
  const bar = document.querySelector("[data-job-bar]");
  const count = document.querySelector("[data-job-count]");
  const template = count ? count.textContent : "";
  const numbers = template.match(/\d+/g) || [];

  function show(job) {
    state.textContent = job.state_label;
    state.className = `job-state job-${job.state}`;
    document.querySelectorAll("[data-job-when]").forEach((text) => {
      text.hidden = text.dataset.jobWhen !== job.state;
    });
    bar.max = job.total || 1;
    bar.value = job.done;
    if (count && numbers.length === 2) {
      // "12 of 40" in the page's language: replace the two numbers in place.
      let index = 0;
      count.textContent = template.replace(/\d+/g, () =>
        String(index++ === 0 ? job.done : job.total),
      );
    }
  }

  async function poll() {
    try {
      const response = await fetch(status.dataset.statusUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (response.ok) {
        const job = await response.json();
        show(job);
        if (job.finished) {
          window.location.reload();
          return;
        }
      }
    } catch (error) {
      // The server restarting: try again at the next tick.
    }
    window.setTimeout(poll, 2000);
  }

  window.setTimeout(poll, 1000);
})();
