// Threadbook service worker (placeholder until the extension lands).
