import { h, render } from 'preact';
import { App } from './app.mts';

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(h(App, {}), root);
}
