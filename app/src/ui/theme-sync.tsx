import { useEffect } from 'react';
import { useSetting } from 'offline-sync-engine/client/react';

export const THEME_KEY = 'appraisal:theme';

/**
 * Applies the user's settings to the page as they change, from any tab or device: theme (data-theme on
 * <html>, remembered for the next first paint), language (lang) and the editor font size (a CSS variable).
 */
export function ThemeSync() {
  const [theme] = useSetting<string>('theme');
  const [locale] = useSetting<string>('locale');
  const [fontSize] = useSetting<number>('editor.fontSize');

  useEffect(() => {
    if (theme === undefined) return;
    const applied = theme ?? 'system';
    document.documentElement.dataset.theme = applied;
    localStorage.setItem(THEME_KEY, applied);
  }, [theme]);

  useEffect(() => {
    if (locale !== undefined) document.documentElement.lang = locale ?? navigator.language;
  }, [locale]);

  useEffect(() => {
    if (fontSize === undefined) return;
    if (fontSize === null) document.documentElement.style.removeProperty('--editor-font-size');
    else document.documentElement.style.setProperty('--editor-font-size', `${fontSize}px`);
  }, [fontSize]);

  return null;
}
