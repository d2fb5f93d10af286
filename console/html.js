// htm bound to preact once, so that every page writes templates the same way.
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);
