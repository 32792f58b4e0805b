// The image's HEALTHCHECK: exits 0 when the admin API answers GET /version on this machine, 1
// otherwise. It follows FAULTLINE_PORT (default 8474) and sends FAULTLINE_TOKEN when one is set.
const port = process.env.FAULTLINE_PORT || '8474';
const token = process.env.FAULTLINE_TOKEN;
try {
  const response = await fetch(`http://127.0.0.1:${port}/version`, {
    headers: { 'user-agent': 'faultline-healthcheck', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    signal: AbortSignal.timeout(4000),
  });
  process.exitCode = response.ok ? 0 : 1;
} catch {
  process.exitCode = 1;
}
