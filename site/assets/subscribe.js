// The archive site's subscribe form: POST /api/subscriptions on the configured Paperboy server.
(function () {
  "use strict";
  const form = document.getElementById("subscribe");
  if (!form) return;
  const result = document.getElementById("subscribe-result");
  const server = (form.dataset.server || "").replace(/\/+$/, "");

  function say(text) {
    result.textContent = text;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const topics = form.topics.value.split("\n").map((t) => t.trim()).filter(Boolean);
    const body = { email: form.email.value.trim(), frequency: form.frequency.value, topics };
    say("Sending…");
    try {
      const response = await fetch(server + "/api/subscriptions", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
      });
      const envelope = await response.json();
      if (envelope.ok) {
        say(envelope.data.message);
        form.reset();
      } else if (response.status === 429) {
        say(`Too many tries: wait ${envelope.error.retry_after ?? 60} seconds.`);
      } else {
        say(envelope.error.message);
      }
    } catch (problem) {
      say(`The Paperboy server at ${server} did not answer. Try again later.`);
    }
  });
})();
