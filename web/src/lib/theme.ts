import * as React from 'react';

export type Theme = 'light' | 'dark';
const key = 'churnwatch-theme';

function initial(): Theme {
  const stored = localStorage.getItem(key);
  if (stored === 'light' || stored === 'dark') return stored;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** Light/dark theme: the stored choice, else the system preference. */
export function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = React.useState<Theme>(initial);
  React.useEffect(() => {
    document.documentElement.classList.toggle('dark', theme === 'dark');
  }, [theme]);
  const toggle = React.useCallback(() => {
    setTheme((t) => {
      const next = t === 'dark' ? 'light' : 'dark';
      localStorage.setItem(key, next);
      return next;
    });
  }, []);
  return [theme, toggle];
}
