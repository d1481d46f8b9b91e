import { describe, expect, it } from 'vitest';
import { type Channel, type ChannelInput, classifyChannel } from './channel.js';

const PAGE_HOST = 'shop.example.com';

function visit(fields: Partial<ChannelInput>): ChannelInput {
  return { utm_source: '', utm_medium: '', click_id: '', referrer_host: '', page_host: PAGE_HOST, ...fields };
}

type Row = [description: string, input: Partial<ChannelInput>, expected: Channel];

function table(rows: Row[]): void {
  it.each(rows)('%s', (_description, input, expected) => {
    expect(classifyChannel(visit(input))).toBe(expected);
  });
}

describe('classifyChannel', () => {
  it('a utm_medium=email visit is channel email', () => {
    expect(classifyChannel(visit({ utm_medium: 'email' }))).toBe('email');
  });

  describe('direct and internal', () => {
    table([
      ['no referrer and no UTM → direct', {}, 'direct'],
      ['referrer is the page host → internal', { referrer_host: PAGE_HOST }, 'internal'],
      ['referrer is another subdomain of the same site → internal', { referrer_host: 'www.example.com' }, 'internal'],
      ['the registrable domain is found under a ccTLD second level', { referrer_host: 'blog.example.co.uk', page_host: 'shop.example.co.uk' }, 'internal'],
      ['two sites under the same ccTLD second level are not one site', { referrer_host: 'other.co.uk', page_host: 'shop.co.uk' }, 'referral'],
      ['a configured internal host → internal', { referrer_host: 'checkout.example-pay.com', internalHosts: ['example-pay.com'] }, 'internal'],
      ['a host that merely ends like a configured one is not internal', { referrer_host: 'notexample-pay.com', internalHosts: ['example-pay.com'] }, 'referral'],
      ['UTM parameters on an internal link still name the campaign', { referrer_host: PAGE_HOST, utm_medium: 'email' }, 'email'],
    ]);
  });

  describe('organic search', () => {
    table([
      ['Google under a country domain', { referrer_host: 'www.google.de' }, 'organic_search'],
      ['Google under a ccTLD second level', { referrer_host: 'www.google.co.uk' }, 'organic_search'],
      ['Bing', { referrer_host: 'www.bing.com' }, 'organic_search'],
      ['DuckDuckGo', { referrer_host: 'duckduckgo.com' }, 'organic_search'],
      ['Yahoo', { referrer_host: 'search.yahoo.com' }, 'organic_search'],
      ['Ecosia', { referrer_host: 'www.ecosia.org' }, 'organic_search'],
      ['Brave Search', { referrer_host: 'search.brave.com' }, 'organic_search'],
      ['the Google Android app', { referrer_host: 'com.google.android.googlequicksearchbox' }, 'organic_search'],
      ['utm_medium=organic', { utm_source: 'someportal', utm_medium: 'organic' }, 'organic_search'],
      ['a search engine as utm_source without medium', { utm_source: 'google' }, 'organic_search'],
    ]);
  });

  describe('paid search', () => {
    table([
      ['a gclid', { click_id: 'gclid', referrer_host: 'www.google.com' }, 'paid_search'],
      ['a gclid without referrer', { click_id: 'gclid' }, 'paid_search'],
      ['an msclkid', { click_id: 'msclkid' }, 'paid_search'],
      ['a wbraid', { click_id: 'wbraid' }, 'paid_search'],
      ['a click id wins over manual UTM tagging, as GA4 auto-tagging does', { click_id: 'gclid', utm_medium: 'email' }, 'paid_search'],
      ['utm_source=google & utm_medium=cpc', { utm_source: 'google', utm_medium: 'cpc' }, 'paid_search'],
      ['utm_source=bing & utm_medium=ppc', { utm_source: 'bing', utm_medium: 'ppc' }, 'paid_search'],
      ['a paid medium with a search engine referrer and no source', { utm_medium: 'paidsearch', referrer_host: 'www.google.fr' }, 'paid_search'],
      ['UTM values are compared case-insensitively', { utm_source: 'Google', utm_medium: 'CPC' }, 'paid_search'],
    ]);
  });

  describe('organic social', () => {
    table([
      ['Facebook link shim', { referrer_host: 'l.facebook.com' }, 'organic_social'],
      ['t.co', { referrer_host: 't.co' }, 'organic_social'],
      ['x.com', { referrer_host: 'x.com' }, 'organic_social'],
      ['LinkedIn short links', { referrer_host: 'lnkd.in' }, 'organic_social'],
      ['YouTube', { referrer_host: 'www.youtube.com' }, 'organic_social'],
      ['Reddit', { referrer_host: 'out.reddit.com' }, 'organic_social'],
      ['XING', { referrer_host: 'www.xing.com' }, 'organic_social'],
      ['an fbclid without referrer (in-app browser)', { click_id: 'fbclid' }, 'organic_social'],
      ['utm_medium=social', { utm_source: 'shop-newsroom', utm_medium: 'social' }, 'organic_social'],
      ['a social network as utm_source with an unpaid medium', { utm_source: 'instagram', utm_medium: 'story' }, 'organic_social'],
    ]);
  });

  describe('paid social', () => {
    table([
      ['utm_source=facebook & utm_medium=paid_social', { utm_source: 'facebook', utm_medium: 'paid_social' }, 'paid_social'],
      ['a domain as utm_source', { utm_source: 'm.facebook.com', utm_medium: 'cpc' }, 'paid_social'],
      ['an fbclid with a paid medium', { click_id: 'fbclid', utm_source: 'meta', utm_medium: 'cpc' }, 'paid_social'],
      ['a ttclid', { click_id: 'ttclid' }, 'paid_social'],
      ['a LinkedIn ad click id', { click_id: 'li_fat_id', referrer_host: 'www.linkedin.com' }, 'paid_social'],
    ]);
  });

  describe('email', () => {
    table([
      ['utm_medium=e-mail', { utm_source: 'crm', utm_medium: 'e-mail' }, 'email'],
      ['utm_medium=newsletter', { utm_source: 'crm', utm_medium: 'newsletter' }, 'email'],
      ['utm_source=newsletter without medium', { utm_source: 'newsletter' }, 'email'],
      ['an e-mail medium wins over a social source', { utm_source: 'facebook', utm_medium: 'email' }, 'email'],
      ['Gmail on the web, which is not Google search', { referrer_host: 'mail.google.com' }, 'email'],
      ['Outlook on the web', { referrer_host: 'outlook.live.com' }, 'email'],
      ['the Gmail Android app', { referrer_host: 'com.google.android.gm' }, 'email'],
    ]);
  });

  describe('display, affiliate, referral and other campaigns', () => {
    table([
      ['utm_medium=display', { utm_source: 'google', utm_medium: 'display' }, 'display'],
      ['utm_medium=banner', { utm_source: 'partner', utm_medium: 'banner' }, 'display'],
      ['utm_medium=cpm', { utm_source: 'criteo', utm_medium: 'cpm' }, 'display'],
      ['a dclid', { click_id: 'dclid' }, 'display'],
      ['utm_medium=affiliate', { utm_source: 'awin', utm_medium: 'affiliate' }, 'affiliate'],
      ['an unknown site', { referrer_host: 'www.schuh-blog.de' }, 'referral'],
      ['utm_medium=referral', { utm_source: 'partner', utm_medium: 'referral' }, 'referral'],
      ['a paid medium on an unknown source (GA4 "Paid Other")', { utm_source: 'criteo', utm_medium: 'cpc' }, 'other_campaign'],
      ['UTM present but matching no rule', { utm_source: 'flyer', utm_medium: 'print' }, 'other_campaign'],
    ]);
  });

  it('never throws on hostile input', () => {
    const weird = ['', '.', '..', '...', '.co.uk', 'co.uk', 'a.', '[::1]', '\u0000', 'x'.repeat(2048), '.'.repeat(2048)];
    for (const value of weird) {
      expect(() =>
        classifyChannel({
          utm_source: value,
          utm_medium: value,
          click_id: value,
          referrer_host: value,
          page_host: value,
          internalHosts: [value],
        }),
      ).not.toThrow();
      expect(() => classifyChannel(visit({ referrer_host: value }))).not.toThrow();
    }
  });
});
