// @vitest-environment happy-dom
/**
 * The composer as the user meets it: Enter sends and Shift+Enter starts a line,
 * Send is disabled with the reason on screen when nothing can serve a send, Abort
 * replaces waiting while a reply streams, and the thinking level and delivery
 * target go out with the message.
 */
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Composer, type ComposerProps } from '../../../renderer/src/components/Composer.js';

afterEach(cleanup);

function renderComposer(props: Partial<ComposerProps> = {}) {
  const onSend = vi.fn<ComposerProps['onSend']>();
  const onAbort = vi.fn<ComposerProps['onAbort']>();
  const user = userEvent.setup();
  const view = render(<Composer session="main" blockedReason={null} hint={null} busy={false} onSend={onSend} onAbort={onAbort} {...props} />);
  const textbox = () => screen.getByRole<HTMLTextAreaElement>('textbox', { name: 'Message to main' });
  const sendButton = () => screen.getByRole<HTMLButtonElement>('button', { name: 'Send' });
  const reason = () => screen.getByRole('status').textContent;
  return { onSend, onAbort, user, view, textbox, sendButton, reason };
}

describe('Composer', () => {
  it('sends on Enter and clears the box', async () => {
    const { user, onSend, textbox } = renderComposer();
    await user.type(textbox(), 'hello there{Enter}');
    expect(onSend).toHaveBeenCalledTimes(1);
    expect(onSend).toHaveBeenCalledWith({ text: 'hello there' });
    expect(textbox().value).toBe('');
  });

  it('starts a new line on Shift+Enter and sends both lines on Enter', async () => {
    const { user, onSend, textbox } = renderComposer();
    await user.type(textbox(), 'line one{Shift>}{Enter}{/Shift}line two');
    expect(onSend).not.toHaveBeenCalled();
    expect(textbox().value).toBe('line one\nline two');
    await user.keyboard('{Enter}');
    expect(onSend).toHaveBeenCalledWith({ text: 'line one\nline two' });
  });

  it('sends with the Send button too', async () => {
    const { user, onSend, textbox, sendButton } = renderComposer();
    await user.type(textbox(), 'by click');
    await user.click(sendButton());
    expect(onSend).toHaveBeenCalledWith({ text: 'by click' });
  });

  it('does not send on Enter while an input method is composing', () => {
    const { onSend, textbox } = renderComposer();
    fireEvent.change(textbox(), { target: { value: 'かな' } });
    fireEvent.keyDown(textbox(), { key: 'Enter', isComposing: true });
    expect(onSend).not.toHaveBeenCalled();
    expect(textbox().value).toBe('かな');
  });

  it('keeps Send disabled while the box is empty or blank', async () => {
    const { user, onSend, textbox, sendButton } = renderComposer();
    expect(sendButton().disabled).toBe(true);
    await user.type(textbox(), '   {Enter}');
    expect(onSend).not.toHaveBeenCalled();
    expect(sendButton().disabled).toBe(true);
  });

  it('disables Send and shows why when a send cannot go, but keeps the box usable', async () => {
    const why = 'The gateway is stopped and "Use CLI fallback" is off.';
    const { user, onSend, textbox, sendButton, reason } = renderComposer({ blockedReason: why });
    expect(reason()).toBe(why);
    expect(textbox().getAttribute('aria-describedby')).toBe(screen.getByRole('status').id); // read out with the box
    await user.type(textbox(), 'queued thought{Enter}');
    expect(textbox().value).toBe('queued thought');
    expect(sendButton().disabled).toBe(true);
    expect(onSend).not.toHaveBeenCalled();
  });

  it('shows the hint about the path a send will take when nothing blocks it', () => {
    const { reason } = renderComposer({ hint: 'The gateway is down: this message will be answered by the one-shot CLI.' });
    expect(reason()).toBe('The gateway is down: this message will be answered by the one-shot CLI.');
  });

  it('offers Abort only while busy, calls onAbort, and says why Send waits', async () => {
    const { user, onAbort, onSend, textbox, sendButton, reason, view } = renderComposer({ busy: true });
    expect(reason()).toBe('A reply is on its way; wait for it or press Abort.');
    await user.type(textbox(), 'next{Enter}');
    expect(onSend).not.toHaveBeenCalled();
    expect(sendButton().disabled).toBe(true);
    await user.click(screen.getByRole('button', { name: 'Abort' }));
    expect(onAbort).toHaveBeenCalledTimes(1);

    view.rerender(<Composer session="main" blockedReason={null} hint={null} busy={false} onSend={onSend} onAbort={onAbort} />);
    expect(screen.queryByRole('button', { name: 'Abort' })).toBeNull();
    expect(sendButton().disabled).toBe(false); // the typed text is still there
  });

  it('passes the chosen thinking level, and none by default', async () => {
    const { user, onSend, textbox } = renderComposer();
    await user.type(textbox(), 'plain{Enter}');
    expect(onSend).toHaveBeenLastCalledWith({ text: 'plain' });

    await user.selectOptions(screen.getByRole('combobox', { name: 'Thinking' }), 'high');
    await user.type(textbox(), 'think hard{Enter}');
    expect(onSend).toHaveBeenLastCalledWith({ text: 'think hard', thinking: 'high' });
  });

  it('shows "to" only with Deliver on, and passes the trimmed target', async () => {
    const { user, onSend, textbox } = renderComposer();
    expect(screen.queryByRole('textbox', { name: 'to' })).toBeNull();
    await user.click(screen.getByRole('checkbox', { name: 'Deliver' }));
    await user.type(screen.getByRole('textbox', { name: 'to' }), '  ops-channel  ');
    await user.type(textbox(), 'ship it{Enter}');
    expect(onSend).toHaveBeenCalledWith({ text: 'ship it', deliver: true, to: 'ops-channel' });
  });

  it('says where a delivery goes without "to", and sends it without one', async () => {
    const { user, onSend, textbox, reason } = renderComposer({ hint: 'a hint the delivery note outranks' });
    await user.click(screen.getByRole('checkbox', { name: 'Deliver' }));
    expect(reason()).toBe('No "to": the reply goes to the default delivery target in the gateway config.');
    await user.type(textbox(), 'to the default{Enter}');
    expect(onSend).toHaveBeenCalledWith({ text: 'to the default', deliver: true });
  });
});
