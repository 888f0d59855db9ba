// Scan classification from the User-Agent header, done off the request path (at flush).
// A short regex list rather than a UA database: it only has to tell people from machines
// and give a coarse device/OS split for the charts.

/**
 * Crawlers, link-preview fetchers (a link pasted in Slack, WhatsApp, Teams… is fetched by
 * the chat service, not scanned by a person), uptime monitors and HTTP libraries. curl and
 * wget are included on purpose: no phone scans a code with them. Their scans are stored
 * (is_bot = 1) for diagnosis but left out of every count.
 */
const BOT_UA =
  /(?<!cu)bot\b|bot\/|crawl|spider|slurp|preview|facebookexternalhit|facebookcatalog|meta-externalagent|whatsapp|slack|twitterbot|telegrambot|discordbot|linkedinbot|skypeuripreview|microsoft teams|embedly|pinterest|redditbot|applebot|bingpreview|yandex|baidu|duckduckgo|google-inspectiontool|googleother|lighthouse|headlesschrome|phantomjs|python-requests|python-urllib|aiohttp|httpx|\bcurl\/|\bwget\/|go-http-client|java\/|okhttp\/[0-9.]+$|axios|node-fetch|undici|libwww|httpclient|monitor|pingdom|uptime/i;

export type Device = 'mobile' | 'tablet' | 'desktop' | 'other';

export interface UserAgentInfo {
  bot: boolean;
  device: Device;
  os: string;
}

export function classifyUserAgent(ua: string | undefined): UserAgentInfo {
  // A request without a user agent is a script, never a phone's camera app or browser.
  if (!ua || ua.length < 8) return { bot: true, device: 'other', os: 'Other' };
  const bot = BOT_UA.test(ua);
  const os = /iPhone|iPad|iPod/.test(ua)
    ? 'iOS'
    : /Android/.test(ua)
      ? 'Android'
      : /Windows/.test(ua)
        ? 'Windows'
        : /CrOS/.test(ua)
          ? 'ChromeOS'
          : /Mac OS X|Macintosh/.test(ua)
            ? 'macOS'
            : /Linux/.test(ua)
              ? 'Linux'
              : 'Other';
  const device: Device = /iPad|Tablet/.test(ua) || (os === 'Android' && !/Mobile/.test(ua))
    ? 'tablet'
    : /Mobi|iPhone|iPod|Android/.test(ua)
      ? 'mobile'
      : os === 'Windows' || os === 'macOS' || os === 'Linux' || os === 'ChromeOS'
        ? 'desktop'
        : 'other';
  return { bot, device, os };
}

/** Only the host of a Referer, lower-cased; anything unparsable counts as none. */
export function referrerHost(referer: string | undefined): string | null {
  if (!referer) return null;
  try {
    const url = new URL(referer);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.hostname.toLowerCase().slice(0, 253) : null;
  } catch {
    return null;
  }
}

/** ISO 3166-1 alpha-2 from a trusted proxy header; Cloudflare's XX/T1 mean unknown/Tor. */
export function countryCode(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value || !/^[A-Za-z]{2}$/.test(value)) return null;
  const code = value.toUpperCase();
  return code === 'XX' || code === 'T1' ? null : code;
}
