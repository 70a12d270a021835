import { formatAnswer, formatSent, type Exchange } from './exchange.js';

/**
 * A check found the routes breaking the contract. The message says what the contract expects, what was sent and
 * what came back, so it reads on its own in a test report.
 */
export class ConformanceFailure extends Error {
  readonly expected: string;
  readonly exchange: Exchange | undefined;

  constructor(expected: string, exchange?: Exchange, detail?: string) {
    const parts = [`expected: ${expected}`];
    if (detail !== undefined) parts.push(`found:    ${detail}`);
    if (exchange) {
      parts.push(`sent:     ${indent(formatSent(exchange.sent))}`);
      parts.push(`got:      ${indent(formatAnswer(exchange))}`);
    }
    super(parts.join('\n'));
    this.name = 'ConformanceFailure';
    this.expected = expected;
    this.exchange = exchange;
  }
}

const indent = (text: string) => text.replace(/\n/g, '\n          ');
