// The legacy 8259 interrupt controllers.
#pragma once
void pic_disable(void);
