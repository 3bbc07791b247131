/**
 * Public release dates of iOS versions (Apple's release notes / security-content pages, UTC dates of
 * the day Apple shipped them). Only versions an iPhone XS or later can run are listed (the XS
 * shipped with iOS 12). Used for the rule "an iOS version released within the last year".
 *
 * Choices (documented in docs/tap-to-pay.md):
 * - A device's version is matched to the greatest listed entry of the same major version that is ≤
 *   it (17.5.1 uses 17.5.1 if listed, else 17.5).  Its release date must be within one calendar year
 *   of `nowMs`. A major version absent from the table but between its oldest and newest majors
 *   (iOS 19–25 do not exist) is a forged fact.
 * - A version newer than the newest entry (26.3, 27.0) is assumed to be a current release (the table ages; pass a
 *   fresher one through `checkDevice(…, { iosReleases })`).
 * - A version older than every entry is refused as too old.
 * - A listed version whose release date is after `nowMs` is a forged fact.
 */
export interface IosRelease {
  version: string;
  /** `YYYY-MM-DD`, UTC. */
  released: string;
}

export const defaultIosReleases: readonly IosRelease[] = Object.freeze(
  [
    { version: '12.0', released: '2018-09-17' },
    { version: '13.0', released: '2019-09-19' },
    { version: '14.0', released: '2020-09-16' },
    { version: '15.0', released: '2021-09-20' },
    { version: '16.0', released: '2022-09-12' },
    { version: '16.1', released: '2022-10-24' },
    { version: '16.2', released: '2022-12-13' },
    { version: '16.3', released: '2023-01-23' },
    { version: '16.4', released: '2023-03-27' },
    { version: '16.5', released: '2023-05-18' },
    { version: '16.6', released: '2023-07-24' },
    { version: '16.7', released: '2023-09-21' },
    { version: '17.0', released: '2023-09-18' },
    { version: '17.1', released: '2023-10-25' },
    { version: '17.2', released: '2023-12-11' },
    { version: '17.3', released: '2024-01-22' },
    { version: '17.4', released: '2024-03-05' },
    { version: '17.5', released: '2024-05-13' },
    { version: '17.6', released: '2024-07-29' },
    { version: '17.7', released: '2024-09-16' },
    { version: '18.0', released: '2024-09-16' },
    { version: '18.1', released: '2024-10-28' },
    { version: '18.2', released: '2024-12-11' },
    { version: '18.3', released: '2025-01-27' },
    { version: '18.4', released: '2025-03-31' },
    { version: '18.5', released: '2025-05-12' },
    { version: '18.6', released: '2025-07-29' },
    { version: '18.7', released: '2025-09-15' },
    { version: '26.0', released: '2025-09-15' },
    { version: '26.1', released: '2025-11-03' },
    { version: '26.2', released: '2025-12-12' },
  ].map((r) => Object.freeze(r)),
);
