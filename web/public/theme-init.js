// Applies the stored or system theme before first paint (no flash). An
// external file because the server's Content-Security-Policy forbids inline scripts.
(function () {
  var t = null;
  try {
    t = localStorage.getItem('churnwatch-theme');
  } catch (e) {}
  if (t !== 'light' && t !== 'dark') t = matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  document.documentElement.classList.toggle('dark', t === 'dark');
})();
