// Two small DOM helpers shared by the client's modules.
export const $ = (id) => document.getElementById(id);

export function el(tag, props = {}, children = []) {
  const node = Object.assign(document.createElement(tag), props);
  for (const c of children) node.append(c);
  return node;
}

// A labelled figure, as the stats rows show them.
export function tile(label, value) {
  return el('div', { className: 'tile' }, [el('span', { className: 'label', textContent: label }), el('span', { className: 'big', textContent: value })]);
}
