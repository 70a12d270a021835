import { TEST_IDS } from '../test-ids.js';

/**
 * The settings the app shows, from the engine's registry (the same keys the server accepts), with how each is
 * edited and what applies while it is unset. The engine validates every value: what it refuses shows under
 * the field (ClientValidationError).
 */
interface FieldBase {
  readonly key: string;
  readonly label: string;
  readonly hint?: string;
  readonly testId: string;
}

export type SettingField =
  | (FieldBase & { readonly kind: 'choice'; readonly fallback: string; readonly options: readonly { readonly value: string; readonly label: string }[] })
  | (FieldBase & { readonly kind: 'toggle'; readonly fallback: boolean })
  /** Empty clears the setting (back to the fallback). */
  | (FieldBase & { readonly kind: 'text'; readonly placeholder: string })
  | (FieldBase & { readonly kind: 'number'; readonly fallback: number; readonly min: number; readonly max: number });

export const USER_SETTING_FIELDS: readonly SettingField[] = [
  {
    key: 'theme',
    label: 'Theme',
    kind: 'choice',
    fallback: 'system',
    testId: TEST_IDS.settingsTheme,
    options: [
      { value: 'system', label: 'Match this device' },
      { value: 'light', label: 'Light' },
      { value: 'dark', label: 'Dark' },
    ],
  },
  {
    key: 'locale',
    label: 'Language and region',
    kind: 'text',
    placeholder: navigator.language,
    hint: 'A language tag such as en-GB or de. Empty uses this browser’s language.',
    testId: TEST_IDS.settingsLocale,
  },
  { key: 'notifications.email', label: 'Email me about activity in my projects', kind: 'toggle', fallback: true, testId: TEST_IDS.settingsNotificationsEmail },
  {
    key: 'notifications.digest',
    label: 'Summary email',
    kind: 'choice',
    fallback: 'weekly',
    testId: TEST_IDS.settingsNotificationsDigest,
    options: [
      { value: 'off', label: 'Off' },
      { value: 'daily', label: 'Daily' },
      { value: 'weekly', label: 'Weekly' },
    ],
  },
  { key: 'editor.fontSize', label: 'Editor font size (px)', kind: 'number', fallback: 15, min: 8, max: 32, hint: 'Whole number from 8 to 32.', testId: TEST_IDS.settingsFontSize },
];

export const ORG_SETTING_FIELDS: readonly SettingField[] = [
  {
    key: 'appraisal.defaultTool',
    label: 'Default appraisal tool',
    kind: 'choice',
    fallback: 'casp',
    testId: TEST_IDS.settingsDefaultTool,
    options: [
      { value: 'casp', label: 'CASP' },
      { value: 'jbi', label: 'JBI' },
      { value: 'amstar2', label: 'AMSTAR 2' },
      { value: 'rob2', label: 'RoB 2' },
      { value: 'robins-i', label: 'ROBINS-I' },
      { value: 'grade', label: 'GRADE' },
    ],
  },
  { key: 'appraisal.blindReview', label: 'Blind review: reviewers do not see each other’s appraisals', kind: 'toggle', fallback: false, testId: TEST_IDS.settingsBlindReview },
];
