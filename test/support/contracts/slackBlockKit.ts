// A minimal Block Kit validator for the Slack stand-in: the structural rules and limits from
// Slack's Block Kit reference that a message we send could break. Errors use Slack's own
// format, "<reason> [json-pointer:/blocks/…]".

const BLOCK_TYPES = new Set(['actions', 'context', 'divider', 'header', 'image', 'input', 'markdown', 'rich_text', 'section']);
const ACTION_ELEMENT_TYPES = new Set([
  'button',
  'checkboxes',
  'datepicker',
  'datetimepicker',
  'multi_static_select',
  'overflow',
  'radio_buttons',
  'static_select',
  'timepicker',
  'users_select',
]);
const MAX_BLOCKS = 50;
const MAX_BLOCK_ID = 255;
const MAX_ACTION_ID = 255;
const MAX_ACTIONS_ELEMENTS = 25;
const MAX_CONTEXT_ELEMENTS = 10;
const MAX_SECTION_FIELDS = 10;
const MAX_HEADER_TEXT = 150;
const MAX_SECTION_TEXT = 3000;
const MAX_FIELD_TEXT = 2000;
const MAX_BUTTON_TEXT = 75;
const MAX_BUTTON_VALUE = 2000;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class Findings {
  readonly errors: string[] = [];
  add(reason: string, pointer: string): void {
    this.errors.push(`${reason} [json-pointer:${pointer}]`);
  }
}

function checkText(found: Findings, text: unknown, pointer: string, max: number, types: readonly string[]): void {
  if (!isObject(text)) return found.add('must provide an object', pointer);
  if (typeof text.type !== 'string' || !types.includes(text.type)) {
    found.add(`must be one of ${types.map((t) => `"${t}"`).join(', ')}`, `${pointer}/type`);
  }
  if (typeof text.text !== 'string' || text.text.length === 0) return found.add('must provide a string', `${pointer}/text`);
  if (text.text.length > max) found.add(`must be less than ${max + 1} characters`, `${pointer}/text`);
}

function checkActionElement(found: Findings, element: unknown, pointer: string, actionIds: Set<string>): void {
  if (!isObject(element)) return found.add('must provide an object', pointer);
  if (typeof element.type !== 'string' || !ACTION_ELEMENT_TYPES.has(element.type)) {
    found.add('must provide a valid element type', `${pointer}/type`);
  }
  if (typeof element.action_id !== 'string' || element.action_id.length === 0) {
    found.add('must provide a string', `${pointer}/action_id`);
  } else if (element.action_id.length > MAX_ACTION_ID) {
    found.add(`must be less than ${MAX_ACTION_ID + 1} characters`, `${pointer}/action_id`);
  } else if (actionIds.has(element.action_id)) {
    found.add('action_id already exists', `${pointer}/action_id`);
  } else {
    actionIds.add(element.action_id);
  }
  if (element.type !== 'button') return;
  checkText(found, element.text, `${pointer}/text`, MAX_BUTTON_TEXT, ['plain_text']);
  if (element.style !== undefined && element.style !== 'primary' && element.style !== 'danger') {
    found.add('must be one of "primary", "danger"', `${pointer}/style`);
  }
  if (element.value !== undefined && (typeof element.value !== 'string' || element.value.length > MAX_BUTTON_VALUE)) {
    found.add(`must be a string of less than ${MAX_BUTTON_VALUE + 1} characters`, `${pointer}/value`);
  }
}

function checkElements(found: Findings, elements: unknown, pointer: string, max: number): unknown[] {
  if (!Array.isArray(elements) || elements.length === 0) {
    found.add('must provide a non-empty array', pointer);
    return [];
  }
  if (elements.length > max) found.add(`must provide no more than ${max} items`, pointer);
  return elements;
}

function checkBlock(found: Findings, block: unknown, pointer: string, ids: { blocks: Set<string>; actions: Set<string> }): void {
  if (!isObject(block)) return found.add('must provide an object', pointer);
  if (typeof block.type !== 'string' || !BLOCK_TYPES.has(block.type)) {
    return found.add('must provide a valid block type', `${pointer}/type`);
  }
  if (block.block_id !== undefined) {
    if (typeof block.block_id !== 'string' || block.block_id.length === 0 || block.block_id.length > MAX_BLOCK_ID) {
      found.add(`must be a string of 1 to ${MAX_BLOCK_ID} characters`, `${pointer}/block_id`);
    } else if (ids.blocks.has(block.block_id)) {
      found.add('block_id already exists', `${pointer}/block_id`);
    } else {
      ids.blocks.add(block.block_id);
    }
  }
  switch (block.type) {
    case 'header':
      return checkText(found, block.text, `${pointer}/text`, MAX_HEADER_TEXT, ['plain_text']);
    case 'section': {
      if (block.text === undefined && block.fields === undefined) return found.add('must provide text or fields', pointer);
      if (block.text !== undefined) checkText(found, block.text, `${pointer}/text`, MAX_SECTION_TEXT, ['plain_text', 'mrkdwn']);
      if (block.fields === undefined) return;
      checkElements(found, block.fields, `${pointer}/fields`, MAX_SECTION_FIELDS).forEach((f, i) =>
        checkText(found, f, `${pointer}/fields/${i}`, MAX_FIELD_TEXT, ['plain_text', 'mrkdwn']),
      );
      return;
    }
    case 'context':
      checkElements(found, block.elements, `${pointer}/elements`, MAX_CONTEXT_ELEMENTS).forEach((e, i) => {
        if (!isObject(e) || e.type !== 'image') checkText(found, e, `${pointer}/elements/${i}`, MAX_SECTION_TEXT, ['plain_text', 'mrkdwn']);
      });
      return;
    case 'actions':
      checkElements(found, block.elements, `${pointer}/elements`, MAX_ACTIONS_ELEMENTS).forEach((e, i) =>
        checkActionElement(found, e, `${pointer}/elements/${i}`, ids.actions),
      );
      return;
  }
}

/** Returns Slack-style error strings; an empty list means the blocks are acceptable. */
export function validateBlocks(blocks: unknown): string[] {
  const found = new Findings();
  if (!Array.isArray(blocks)) {
    found.add('must provide an array', '/blocks');
    return found.errors;
  }
  if (blocks.length > MAX_BLOCKS) found.add(`must provide no more than ${MAX_BLOCKS} items`, '/blocks');
  const ids = { blocks: new Set<string>(), actions: new Set<string>() };
  blocks.forEach((block, i) => checkBlock(found, block, `/blocks/${i}`, ids));
  return found.errors;
}
